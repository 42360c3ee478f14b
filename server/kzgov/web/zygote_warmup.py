"""The query workers' zygote parses a query before it forks them.

rdflib's SPARQL parser finishes building its grammar on its first parse (pyparsing
prepares each expression the first time it is used), some 8 MB. Done in each query
worker, on its first query, that memory is the worker's own, and every worker forked
afresh (after the deadline, the memory limit, or a retirement) builds it again. Done
once in the zygote before it forks, the workers share it copy-on-write: a worker's
first parse then costs it some 3 MB (the pages whose reference counts it writes to)
instead of 8 (tests/test_zygote_warmup.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection

from rdflib import URIRef

from kzgov.core.errors import KzgovError
from kzgov.web.guards import admit_query

# A query of the common forms: a prologue, a SELECT with a FILTER and an aggregate.
WARM_UP_QUERY = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s rdfs:label ?o . FILTER(lang(?o) = 'en') }"
    " GROUP BY ?s ORDER BY DESC(?n) LIMIT 1"
)


def warm_parser(available: Collection[URIRef]) -> None:
    """Parse and admit a query, so that the parser's grammar is built in this process."""
    with contextlib.suppress(KzgovError):
        admit_query(WARM_UP_QUERY, (), (), available)
