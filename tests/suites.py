"""`make test`'s pytest step: the suites that start whole stacks (browser, e2e, chaos) run
beside the ones that do not (unit, contract, deploy, integration), as two pytest processes.

Each process starts its own database server and NATS servers on free ports, so the two never
share a port or a database; most of their time is spent waiting on processes they started,
so side by side they take about as long as the longer one instead of the sum.

Usage: `python -m tests.suites [pytest options]`. Each suite's output goes to
`.artifacts/logs/pytest-<suite>.log`; its last lines (the summary, and the chaos figures)
are shown when it ends, the whole log when it fails. Exits 1 when any suite fails.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: Suite name → the test folders it runs, in order.
SUITES: dict[str, tuple[str, ...]] = {
    "stacks": ("tests/browser", "tests/e2e", "tests/chaos"),
    "core": ("tests/unit", "tests/contract", "tests/deploy", "tests/integration"),
}
LOGS = Path(".artifacts/logs")
#: Lines of a passing suite's log shown at its end: its summary and the chaos figures.
TAIL = 40


@dataclass
class Running:
    """One suite's pytest process, its log and when it started (monotonic seconds)."""

    name: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    path: Path
    started: float


def start(name: str, folders: tuple[str, ...], extra: list[str]) -> Running:
    """Start pytest on `folders` with its output in the suite's log."""
    path = LOGS / f"pytest-{name}.log"
    log = path.open("wb")
    command = [sys.executable, "-m", "pytest", "-q", *folders, *extra]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    return Running(name, process, log, path, time.monotonic())


def finish(suite: Running) -> bool:
    """Report a suite that ended; True when it passed."""
    suite.log.close()
    took = time.monotonic() - suite.started
    lines = suite.path.read_text(encoding="utf-8", errors="replace").splitlines()
    passed = suite.process.returncode == 0
    shown = lines[-TAIL:] if passed else lines
    sys.stdout.write(f"\n===== suite {suite.name}: {' '.join(SUITES[suite.name])} =====\n")
    sys.stdout.write("\n".join(shown) + "\n")
    outcome = "passed" if passed else f"FAILED (exit {suite.process.returncode})"
    sys.stdout.write(f"===== suite {suite.name} {outcome} in {took:.0f} s =====\n")
    sys.stdout.flush()
    return passed


def main(extra: list[str]) -> int:
    """Run every suite side by side; 0 when all pass, 1 otherwise."""
    LOGS.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    running = [start(name, folders, extra) for name, folders in SUITES.items()]
    sys.stdout.write(
        "running " + ", ".join(f"{s.name} ({s.path})" for s in running) + " side by side\n"
    )
    sys.stdout.flush()
    results: list[bool] = []
    try:
        while running:
            for suite in list(running):
                if suite.process.poll() is not None:
                    running.remove(suite)
                    results.append(finish(suite))
            # A process poll, not a wait for a result: the suites report when they end.
            time.sleep(1)
    except KeyboardInterrupt:
        for suite in running:
            suite.process.terminate()
        raise
    total = time.monotonic() - began
    sys.stdout.write(f"\nall suites {'passed' if all(results) else 'FAILED'} in {total:.0f} s\n")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
