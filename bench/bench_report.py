"""What every bench script writes beside its figures: the command, the machine and the time.

Each script of bench/ ends by writing its figures as JSON (under bench/results/ unless
told otherwise). `write_report` puts the same header on every one of them, so that a
figure read later says how it was measured and on what: the command that reruns it, the
machine (cores, memory, platform, Python) and when it ran.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def machine() -> dict[str, Any]:
    """The machine the figures were measured on."""
    memory_mb = None
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                memory_mb = int(line.split()[1]) // 1024
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "processor": platform.processor(),
        "memory_mb": memory_mb,
        "python": platform.python_version(),
    }


def command_line() -> str:
    """The command that reruns this measurement, as typed from the project's folder."""
    return " ".join([f"python bench/{Path(sys.argv[0]).name}", *sys.argv[1:]])


def write_report(path: Path, benchmark: str, figures: Mapping[str, Any]) -> None:
    """Write a bench script's figures as JSON, under the common header, and say where.

    Args:
        path: the JSON file to write (its folder is made if missing).
        benchmark: the bench's name (e.g. "join-cpu").
        figures: what the script measured; its keys follow the header's.
    """
    report = {
        "benchmark": benchmark,
        "command": command_line(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        **figures,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")
