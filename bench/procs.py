"""Helpers for benchmarks that start real processes: waiting until one answers, resident set size of its tree."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx

from testkit.stack import child_pids


def wait_ready(url: str, proc: subprocess.Popen, *, started: float | None = None, timeout: float = 180.0) -> float:
    """Wait until `url` answers 200 (exit if the process dies or it takes too long); seconds since `started`."""
    started = time.monotonic() if started is None else started
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"{url}: process exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} not ready after {timeout}s")


def tree_rss_mb(pid: int) -> float:
    """Resident set size of a process and all its descendants, in MB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
        todo += child_pids(current)
    return total / 1024
