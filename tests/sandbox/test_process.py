"""Every way the child can die becomes a clear verdict, and no process is left behind."""

from __future__ import annotations

import json
import sys
import time

from scheduler_game.engine.trace import TraceCursor, TraceRecorder
from scheduler_game.overview import StreamedTrace
from scheduler_game.sandbox.deaths import player_frame
from scheduler_game.sandbox.process import Limits, progress_listener, run_sandboxed
from tests.engine.conftest import run_tasks

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


def test_a_line_read_in_many_pieces_is_heard_once_whole():
    _, rec = run_tasks(
        "async def worker():\n    for _ in range(300):\n        await pause()\n", "worker"
    )
    batch = rec.batch_since(TraceCursor())
    variant = {"seed": 0, "passed": True, "outcome": "finished", "ticks": rec.end, "goals": []}
    lines = [
        {"event": "run", "job": 0, "seed": 0, "policy": "fifo", "cpu_limit": "run"},
        {"event": "trace", "job": 0, "seed": 0, "batch": batch, "output": [[3, "worker", "hi"]]},
        {"event": "variant", "job": 0, "variant": variant},
        {"event": "verdict", "job": 0, "verdict": {"level": "x", "passed": True}},
    ]
    text = "".join(json.dumps(line) + "\n" for line in lines)
    script = (  # in pieces of 97 bytes, each flushed on its own
        "import sys, time\n"
        f"text = {text!r}\n"
        "for k in range(0, len(text), 97):\n"
        "    sys.stdout.write(text[k : k + 97]); sys.stdout.flush(); time.sleep(0.0005)\n"
    )
    data = run_sandboxed(SPEC, command=staged(script))
    (v,) = data["variants"]
    assert data["passed"] and v["output"] == [{"tick": 3, "task": "worker", "text": "hi"}]
    assert isinstance(v["trace"], StreamedTrace) and v["trace"].log == rec.log
    assert v["trace"].overview.cpu_row(0, rec.end, 1) == [0]


def test_marks_are_decoded_as_batches_arrive_only_for_the_screen(monkeypatch):
    """A run that keeps `where` (the screen's, which reads any task at any tick) has its
    marks built as the batches come; otherwise only the trace's overview is kept up."""
    asked: list[int] = []

    def marks(trace: StreamedTrace) -> object:
        asked.append(len(trace.log))
        return TraceRecorder.marks.fget(trace)  # type: ignore[attr-defined]

    monkeypatch.setattr(StreamedTrace, "marks", property(marks))
    assert run_sandboxed(SPEC)["passed"] and asked == []
    assert run_sandboxed({**SPEC, "where": True})["passed"] and asked


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
