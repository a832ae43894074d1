"""What the sandbox costs: `check` of a small level (interpreter start included), and a
million switches through the sandboxed path against plain asyncio doing the same work.

    python3 benchmarks/sandbox.py [--rounds N] [--json]

Targets: a small level's check under 0.3 s wall; the million switches (200 spawned
workers pausing 5,000 times each) in no more time than asyncio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SMALL = ROOT / "levels" / "01-cooperative" / "the-hog.yaml"
MILLION = HERE / "levels" / "million.yaml"


def time_check(level: Path, home: str) -> float:
    start = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "scheduler_game", "check", str(level), "--json"],
        capture_output=True,
        env={"SCHEDULER_GAME_HOME": home, "PATH": "/usr/bin:/bin"},
    )
    took = time.perf_counter() - start
    if r.returncode not in (0, 1):
        raise SystemExit(f"check failed: {r.stderr.decode()}")
    return took


async def _asyncio_million() -> None:
    async def worker(n: int) -> None:
        for _ in range(n):
            await asyncio.sleep(0)

    tasks = [asyncio.create_task(worker(5000)) for _ in range(200)]
    for t in tasks:
        await t


def time_asyncio() -> float:
    start = time.perf_counter()
    asyncio.run(_asyncio_million())
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    home = tempfile.mkdtemp()
    small, million, plain = [], [], []
    for _ in range(args.rounds):  # alternated, so both see the same machine
        small.append(time_check(SMALL, home))
        million.append(time_check(MILLION, home))
        plain.append(time_asyncio())
    figures = {
        "small_check_s": statistics.median(small),
        "million_sandboxed_s": statistics.median(million),
        "million_asyncio_s": statistics.median(plain),
    }
    figures["million_ratio"] = figures["million_sandboxed_s"] / figures["million_asyncio_s"]
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(
        "check of a small level (wall, interpreter start included): "
        f"{figures['small_check_s']:.3f} s   target < 0.3 s"
    )
    print(f"a million switches, sandboxed check:  {figures['million_sandboxed_s']:.2f} s")
    print(f"a million switches, plain asyncio:    {figures['million_asyncio_s']:.2f} s")
    print(f"sandboxed / asyncio: {figures['million_ratio']:.2f}   target <= 1.0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
