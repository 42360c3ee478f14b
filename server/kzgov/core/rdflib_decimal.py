"""A fix for rdflib's SPARQL parser: negative decimals in triple patterns and VALUES.

rdflib 7.6.0 builds a negative numeric literal by negating the parsed positive one, and
`Literal.__neg__` accepts int and float values but not `decimal.Decimal`
(RDFLib/rdflib issue 2962, open). So `?s ?p -1.5` or `VALUES ?x { -1.5 }` fails to parse
("Not a number"), although the SPARQL grammar's DECIMAL_NEGATIVE allows it and Oxigraph
parses it; the query guards parse every query with rdflib first, so the fault cost the
Oxigraph store a W3C syntax test. `install` replaces that one parse action with one that
writes the negative literal from its lexical form, which is what the grammar means.
Importing `kzgov.core.sparql` installs it; it is idempotent.
"""

from __future__ import annotations

from pyparsing import ParseResults
from rdflib import XSD, Literal
from rdflib.plugins.sparql import parser


def negative_decimal(tokens: ParseResults) -> Literal:
    """The xsd:decimal literal of a DECIMAL_NEGATIVE token: a minus and the positive literal."""
    positive: Literal = tokens[0]
    return Literal("-" + str(positive), datatype=XSD.decimal)


def install() -> None:
    """Make rdflib's DECIMAL_NEGATIVE build its literal with `negative_decimal`."""
    parser.DECIMAL_NEGATIVE.set_parse_action(negative_decimal)
