"""CPU time and memory of benchmarked processes, read from /proc (Linux), so every bench reports the same figures.

Why CPU time: on a shared 2-core machine throughput and latency move with whatever else runs, but the CPU seconds a
server spends per answered message barely do. `RoleMeter` follows a changing set of processes per role (a Celery
worker's children, PostgreSQL backends that come and go) by sampling, and sums each process's CPU time from the
first to the last time it was seen.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of one process (its threads included), None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)


def status_kb(pid: int, key: str) -> int:
    """A kB figure from /proc/<pid>/status (VmRSS, VmHWM), 0 when unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    found = [pid]
    for current in found:
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                found.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return list(dict.fromkeys(found))


def peak_rss_mb(pids: Iterable[int]) -> float:
    """Sum of each process's peak resident memory (VmHWM), MB."""
    return round(sum(status_kb(p, "VmHWM") for p in pids) / 1024, 1)


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def processes_named(fragment: str) -> list[int]:
    """Pids whose command line contains `fragment`."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and fragment in cmdline(int(entry.name)):
            pids.append(int(entry.name))
    return pids


class RoleMeter:
    """CPU seconds per role between `start()` and `stop()`, over processes found by each role's finder.

    Finders are called every `interval` seconds; a process's CPU is counted from its first sample (or its start, for a
    process born after `start()`) to its last sample, so short-lived ones are undercounted by at most one interval.
    """

    def __init__(self, finders: dict[str, Callable[[], Iterable[int]]], interval: float = 0.2) -> None:
        self.finders = finders
        self.interval = interval
        self._first: dict[tuple[str, int], float] = {}
        self._last: dict[tuple[str, int], float] = {}
        self._peak_rss_kb: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = False

    def sample(self) -> None:
        for role, finder in self.finders.items():
            rss = 0
            for pid in finder():
                used = cpu_seconds(pid)
                if used is None:
                    continue
                rss += status_kb(pid, "VmRSS")
                key = (role, pid)
                if key not in self._first:
                    self._first[key] = used if not self._started else 0.0
                self._last[key] = used
            self._peak_rss_kb[role] = max(self._peak_rss_kb.get(role, 0), rss)

    def start(self) -> None:
        self.sample()
        self._started = True
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def stop(self) -> dict[str, float]:
        """CPU seconds per role."""
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.sample()
        used: dict[str, float] = dict.fromkeys(self.finders, 0.0)
        for (role, pid), last in self._last.items():
            used[role] += last - self._first[(role, pid)]
        return used

    def peak_rss_mb(self) -> dict[str, float]:
        return {role: round(kb / 1024, 1) for role, kb in self._peak_rss_kb.items()}
