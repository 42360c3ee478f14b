"""What `kzgov build` says when it is done: a few lines a person reads, not the JSON.

The stages with their times (and which were reused), the counts with their units named
(distinct triples, quads over N graphs), the SHACL verdict, and where the report and the
full summary are. `kzgov build --json` prints the full summary (summary.json) instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from kzgov.build.validate import Violation
from kzgov.build.validation_summary import by_shape, severity_counts
from kzgov.core.shown_paths import shown_path


def counted(number: object) -> str:
    """A count with thousands separators."""
    return f"{int(str(number)):,}" if str(number).isdigit() else str(number)


def triple_counts(triples: Mapping[str, object], graphs: int) -> str:
    """Both counts, each named: distinct triples, and quads (triples per graph, summed)."""
    distinct = triples.get("distinct")
    parts = [f"{counted(distinct)} distinct triples"] if distinct is not None else []
    parts.append(f"{counted(triples.get('total', 0))} quads over {graphs} graphs")
    return "; ".join(parts) + f" ({counted(triples.get('inferred', 0))} quads inferred)"


def build_summary(
    summary: Mapping[str, object], results: Sequence[Violation], release: Path, current: Path
) -> str:
    """The lines `kzgov build` prints.

    Args:
        summary: the build's summary (summary.json).
        results: the SHACL results (warnings: a build with violations stops before this).
        release: the published release folder.
        current: the link to the current release (build/current), which names its files.
    """
    timings = summary.get("timings_seconds", {})
    stages = summary.get("stages", {})
    steps = []
    if isinstance(timings, dict) and isinstance(stages, dict):
        for stage, seconds in timings.items():
            reused = isinstance(stages.get(stage), dict) and stages[stage].get("reused")
            steps.append(f"{stage} {seconds:.2f} s" + (" (reused)" if reused else ""))
    triples = summary.get("triples", {})
    graphs = summary.get("graphs", {})
    sources = summary.get("sources", {})
    classes = summary.get("classes", {})
    report = shown_path(current / "validation-report.txt")
    lines = [
        f"Built release {release.name}, now {shown_path(current)}",
        f"  stages:  {', '.join(steps)}",
        f"  graph:   {triple_counts(triples if isinstance(triples, dict) else {}, len(graphs) if isinstance(graphs, dict) else 0)}",
        f"           {len(sources) if isinstance(sources, dict) else 0} sources,"
        f" {len(classes) if isinstance(classes, dict) else 0} kz: classes in use",
        f"  SHACL:   {severity_counts(results)}; the build passes (warnings do not stop it)",
    ]
    lines += [f"         {line}" for line in by_shape(results)]
    lines += [
        f"  report:  {report} (every result in full; `kzgov validate --verbose`)",
        f"  summary: {shown_path(current / 'summary.json')} (or `kzgov build --json`)",
    ]
    return "\n".join(lines) + "\n"
