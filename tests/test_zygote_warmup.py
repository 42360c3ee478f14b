"""The query workers share the SPARQL parser's grammar, built once in their zygote.

Each case runs in a fresh interpreter that imports what the zygote imports, warms the
parser (kzgov.web.zygote_warmup) or not, forks a child as the zygote forks a worker,
and prints how much private memory the child's first query cost it.
"""

from __future__ import annotations

import subprocess
import sys

FIRST_QUERY_SCRIPT = """
import gc, os, sys
from kzgov.core.collector import private_memory_kb
from kzgov.web import executor  # what the zygote has imported
from kzgov.web.guards import admit_query
from kzgov.web.zygote_warmup import warm_parser
if sys.argv[1] == "warmed":
    warm_parser(frozenset())
gc.freeze()
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    before = private_memory_kb()
    admit_query("SELECT ?s WHERE { ?s ?p ?o FILTER(isIRI(?o)) } LIMIT 3", (), (), frozenset())
    os.write(write, str(private_memory_kb() - before).encode())
    os._exit(0)
os.waitpid(pid, 0)
print(os.read(read, 64).decode())
"""
MB = 1024


def first_query_kb(mode: str) -> int:
    """The private memory (kB) a forked child's first query cost it."""
    done = subprocess.run(
        [sys.executable, "-c", FIRST_QUERY_SCRIPT, mode],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return int(done.stdout.strip())


def test_a_worker_forked_from_a_warmed_zygote_parses_without_building_the_grammar() -> None:
    # Unwarmed, the child builds the grammar itself (some 8 MB of its own); warmed, it
    # only copies the pages its parse writes to (reference counts), some 3 MB.
    cold = first_query_kb("cold")
    assert cold >= 6 * MB
    assert first_query_kb("warmed") <= cold // 2
