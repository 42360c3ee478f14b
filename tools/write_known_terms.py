"""Write queries/data-checks/unknown-vocabulary-term.rq: the outside vocabularies' known terms.

Usage: .venv/bin/python tools/write_known_terms.py
"""

from __future__ import annotations

from pathlib import Path

from kzgov.build.known_terms import CHECK_FILE, check_query

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Write the check beside the other data checks."""
    target = ROOT / "queries" / "data-checks" / CHECK_FILE
    target.write_text(check_query(), encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
