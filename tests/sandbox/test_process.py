"""Every way the child can die becomes a clear verdict, and no process is left behind."""

from __future__ import annotations

import sys
import time

from scheduler_game.sandbox.deaths import player_frame
from scheduler_game.sandbox.process import Limits, progress_listener, run_sandboxed

SPEC = {
    "level": "x",
    "title": "X",
    "settings": {"max_ticks": 50, "starve_after": 10, "line_cost": 0, "runaway_lines": 1000},
    "shared": {},
    "tasks": [{"name": "worker", "args": [], "at": 0, "autostart": True, "max_wait": None}],
    "goals": [{"all_finish": True}],
    "snippets": [
        {
            "source": "async def worker():\n    await pause()\n    print('hi')\n",
            "path": "w.py",
            "line": 1,
            "col": 0,
            "what": "your solution",
        }
    ],
    "needs": [["worker", 0]],
    "seeds": [0],
    "policy": "fifo",
    "quantum": 5,
    "order": None,
    "shuffle": 0,
    "lines": 3,
    "timeline": True,
}


def staged(script: str) -> list[str]:
    """A stand-in child; it dumps no core when it kills itself, as the real one."""
    no_core = "import resource; resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
    return [sys.executable, "-c", no_core + script]


def test_a_good_run_streams_progress_and_a_verdict():
    seen = []
    data = run_sandboxed(
        SPEC, listen=progress_listener(lambda done, total: seen.append((done, total)))
    )
    assert data["passed"] is True
    assert data["variants"][0]["output"][0]["text"] == "hi"
    assert seen == [(1, 1)]


def test_garbage_on_the_pipe():
    data = run_sandboxed(SPEC, command=staged("print('hello, I am not JSON')"))
    v = data["variants"][0]
    assert v["outcome"] == "crashed" and "unreadable" in v["notes"][0]


def test_death_by_signal():
    data = run_sandboxed(
        SPEC, command=staged("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    )
    assert "signal 11" in data["variants"][0]["notes"][0]


def test_silence_is_stopped_by_the_watchdog_and_nothing_is_left_behind(tmp_path):
    pidfile = tmp_path / "pid"
    script = (
        "import os, time, subprocess, sys;"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
        f"open({str(pidfile)!r}, 'w').write(f'{{os.getpid()}} {{p.pid}}'); time.sleep(60)"
    )
    start = time.monotonic()
    data = run_sandboxed(SPEC, Limits(cpu_seconds=1, wall_seconds=1.5), command=staged(script))
    assert time.monotonic() - start < 5
    v = data["variants"][0]
    assert v["outcome"] == "hung" and "real time" in v["notes"][0]
    for pid in map(int, pidfile.read_text().split()):
        assert not alive(pid), pid


def alive(pid: int) -> bool:
    """Running or sleeping; a zombie waiting for init to reap it is dead."""
    time.sleep(0.2)
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def test_exit_without_verdict():
    data = run_sandboxed(SPEC, command=staged("import sys; sys.exit(7)"))
    assert "exit code 7" in data["variants"][0]["notes"][0]


def test_player_frame_reads_a_faulthandler_dump():
    dump = (
        "Stack (most recent call first):\n"
        '  File "/x/engine.py", line 9 in send\n'
        '  File "level.yaml", line 21 in helper\n'
        '  File "level.yaml", line 30 in cruncher\n'
    )
    # The line where it was, and the task: the outermost frame of the level's code.
    assert player_frame(dump, {"level.yaml"}) == ("level.yaml", 21, "cruncher")
    # A path is matched whole, and a line number has at most 9 digits.
    assert player_frame(dump, {"level.yam"}) is None
    forged = '  File "level.yaml", line ' + "9" * 5000 + " in cruncher\n"
    assert player_frame(forged, {"level.yaml"}) is None
