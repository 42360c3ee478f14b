"""The SHACL report in the order a reader needs it: violations first, warnings summed up.

A build with one violation among thirty warnings must show the violation first. The
report file (validation-report.txt) lists every result, violations first; the terminal
shows the counts per severity, each violation in full, and the warnings as a count per
shape (`kzgov validate --verbose` lists them in full).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rdflib.namespace import SH
from rdflib.term import Node

from kzgov.build.validate import Violation
from kzgov.core.short_names import short_name

SEVERITY_ORDER: dict[Node, int] = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}
SEVERITY_WORDS: dict[Node, str] = {
    SH.Violation: "violation",
    SH.Warning: "warning",
    SH.Info: "info",
}


def in_severity_order(results: Sequence[Violation]) -> list[Violation]:
    """Violations first, then warnings, then infos; each group in its given order."""
    return sorted(results, key=lambda r: SEVERITY_ORDER.get(r.severity, len(SEVERITY_ORDER)))


def severity_counts(results: Sequence[Violation]) -> str:
    """The counts per severity, e.g. "1 violation(s), 32 warning(s)" (and infos, if any)."""
    counts = Counter(SEVERITY_WORDS.get(r.severity, "other") for r in results)
    words = [f"{counts['violation']} violation(s)", f"{counts['warning']} warning(s)"]
    words += [f"{counts[word]} {word}(s)" for word in ("info", "other") if counts[word]]
    return ", ".join(words)


def full_report(results: Sequence[Violation]) -> str:
    """Every result, violations first, under the counts per severity (the report file)."""
    if not results:
        return "Validation passed: the data conforms to every shape.\n"
    described = "\n\n".join(r.describe() for r in in_severity_order(results))
    return f"{severity_counts(results)}\n\n{described}\n"


def by_shape(results: Sequence[Violation]) -> list[str]:
    """One line per shape of the non-violations: severity, count, shape, and its message."""
    counts: Counter[tuple[str, str]] = Counter()
    messages: dict[tuple[str, str], str] = {}
    for result in results:
        if result.is_violation:
            continue
        key = (SEVERITY_WORDS.get(result.severity, "other"), short_name(result.shape))
        counts[key] += 1
        messages.setdefault(key, result.message.split(": ")[0].split(". ")[0].rstrip("."))
    return [
        f"  {count:>3} {severity}(s) from {shape}: {messages[(severity, shape)]}"
        for (severity, shape), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def terminal_report(results: Sequence[Violation], verbose: bool = False, where: str = "") -> str:
    """The report for the terminal: counts, violations in full, warnings by shape.

    Args:
        results: the SHACL results.
        verbose: list every warning in full, as the report file does.
        where: where the full report is (a file, or a command), said under the summary.
    """
    if verbose or not any(not r.is_violation for r in results):
        return full_report(results)
    violations = [r for r in results if r.is_violation]
    parts = [severity_counts(results)]
    parts += [v.describe() for v in violations]
    summary = "Warnings by shape" + (f" (each one is listed in {where})" if where else "") + ":"
    parts.append(summary + "\n" + "\n".join(by_shape(results)))
    return "\n\n".join(parts) + "\n"
