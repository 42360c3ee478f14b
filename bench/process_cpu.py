"""The CPU time of a server's process tree, read from /proc, by role.

A server under load spends CPU in more processes than the one started: kzgov in its
main process, its HTTP processes, its zygote and query workers. `cpu_ticks_by_role`
reads the clock ticks of every process below the one started, before and after a load;
`cpu_ms_per_request` turns the two readings into milliseconds of CPU per request
answered, the figure that says where a server's time goes when every core is busy
(bench/join_cpu.py, bench/http_peers.py). Linux only: where /proc cannot be read the
readings are empty.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
# /proc/PID/stat fields after the command: utime, stime, cutime, cstime (0-based, from
# the field after the closing parenthesis of the command name).
STAT_TIMES = slice(11, 15)


def stat_of(pid: int) -> tuple[int, list[str]] | None:
    """A process's parent id and the fields of /proc/PID/stat after its name, or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields


def cmdline_of(pid: int) -> str:
    """A process's command line, or '' if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode("utf-8", errors="replace")


def descendants(root: int) -> dict[int, int]:
    """Every process below `root` (and root itself), each with its parent's id."""
    parents: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return {}
    for entry in entries:
        if entry.isdigit():
            found = stat_of(int(entry))
            if found is not None:
                parents[int(entry)] = found[0]
    tree = {root: parents.get(root, 0)}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree[pid] = parent
                grew = True
    return tree


def role_of(pid: int, tree: Mapping[int, int], root: int) -> str:
    """What a process of a kzgov server does: main, workers (with the zygote), http, other.

    The zygote is forked from the main process (same command line); the workers are its
    children; the HTTP processes are started with multiprocessing's spawn. `other` is
    any other child of the main process: multiprocessing's resource tracker, and a zygote
    started afresh by a reload (`kzgov.web.reloaded_zygote`, its own command line).
    """
    if pid == root:
        return "main"
    if tree.get(pid) != root:
        return "workers" if tree.get(tree.get(pid, 0)) == root else "other"
    line = cmdline_of(pid)
    if "spawn_main" in line:
        return "http"
    if line == cmdline_of(root):
        return "workers"
    return "other"


def cpu_ticks_by_role(root: int) -> dict[str, int]:
    """The CPU clock ticks of a process tree so far, by role (kzgov's roles, `role_of`).

    Each live process counts its own time and that of the children it has collected
    (cutime, cstime), so a worker that exited and was collected by the zygote stays
    counted under `workers`; what the root's collected children spent (an HTTP process
    that died and was replaced, a helper such as ldconfig) is counted as `exited`.
    """
    tree = descendants(root)
    ticks: dict[str, int] = {}
    for pid in tree:
        found = stat_of(pid)
        if found is None:
            continue
        utime, stime, cutime, cstime = (int(value) for value in found[1][STAT_TIMES])
        role = role_of(pid, tree, root)
        if pid == root:
            ticks["exited"] = ticks.get("exited", 0) + cutime + cstime
            ticks[role] = ticks.get(role, 0) + utime + stime
        else:
            ticks[role] = ticks.get(role, 0) + utime + stime + cutime + cstime
    return ticks


def cpu_ms_per_request(
    before: Mapping[str, int], after: Mapping[str, int], requests: int
) -> dict[str, float]:
    """Milliseconds of CPU per request by role, from two readings of `cpu_ticks_by_role`.

    A role with no ticks in either reading is left out; with no request, every figure is
    the whole load's.
    """
    per_request = 1000 / CLOCK_TICKS_PER_SECOND / max(requests, 1)
    return {
        role: round((after.get(role, 0) - before.get(role, 0)) * per_request, 3)
        for role in sorted(set(before) | set(after))
    }


def machine_ticks() -> tuple[int, int]:
    """The machine's busy and total CPU clock ticks so far (all cores, /proc/stat)."""
    first = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0].split()[1:]
    values = [int(value) for value in first]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)
