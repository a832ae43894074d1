"""A check in the background, as the screen runs one: events as they come, cancelled at
any moment from another thread, nothing left behind, the next run clean."""

from __future__ import annotations

import threading
from pathlib import Path

from scheduler_game.level.load import load_level
from scheduler_game.level.run import Attempt, CheckRun, Options, check_level

ROOT = Path(__file__).resolve().parents[2]
MILLION = load_level(ROOT / "benchmarks" / "levels" / "million.yaml")
HOG = load_level(ROOT / "levels" / "01-cooperative" / "the-hog.yaml")


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def test_a_run_is_cancelled_mid_stream_and_leaves_nothing(tmp_path):
    streaming = threading.Event()
    heard: list[str] = []

    def listen(message, trace):
        heard.append(message["event"])
        if message["event"] == "trace":
            streaming.set()

    run = CheckRun(MILLION, [(Attempt(reference=True), Options())], listen).start()
    assert streaming.wait(30), "no trace batch arrived"
    child = run._sandbox._proc
    assert child is not None and alive(child.pid)
    threading.Thread(target=run.cancel).start()  # from another thread, as a key press
    assert run.wait(10) is None
    assert not alive(child.pid)
    assert "verdict" not in heard
    # The next run starts clean and judges as always.
    verdict = check_level(HOG, Attempt(reference=True))
    assert verdict.passed and verdict.variants[0].ticks == 94


def test_a_run_in_the_background_gives_the_same_verdict():
    background = CheckRun(HOG, [(Attempt(), Options())]).start().wait(60)
    assert background is not None
    (verdict,) = background
    direct = check_level(HOG, Attempt())
    assert verdict.model_dump() == direct.model_dump()
    trace = verdict.variants[0].trace  # the screen draws from it
    assert trace.names == ["heartbeat", "cruncher"] and trace.end == 137


def test_cancelling_before_it_starts_runs_nothing():
    run = CheckRun(HOG, [(Attempt(), Options())])
    run.cancel()
    assert run.run() is None
    assert run.verdicts is None
    assert run._sandbox._proc is None  # no child was started


def test_where_each_task_is_travels_with_the_trace():
    verdict = check_level(HOG, Attempt(), Options(where=True))
    trace = verdict.variants[0].trace
    text = (ROOT / "levels" / "01-cooperative" / "the-hog.yaml").read_text().splitlines()
    sleep_line = next(n for n, line in enumerate(text, 1) if "await sleep(5)" in line)
    heartbeat, cruncher = trace.names.index("heartbeat"), trace.names.index("cruncher")
    path = str(ROOT / "levels" / "01-cooperative" / "the-hog.yaml")
    # The heartbeat beats at 0 and gives the CPU up at its sleep; the cruncher never
    # gives it up until it ends, and an ended task is at no line.
    assert trace.line_at(heartbeat, 0) is None  # before its first slice ended
    assert trace.line_at(heartbeat, 1) == (path, sleep_line)
    assert trace.line_at(heartbeat, 50) == (path, sleep_line)
    assert trace.line_at(cruncher, 81) is None
    assert verdict.lines == 4  # the lines of code the player wrote, untouched
    # Without asking, no line is kept (a plain trace, the default hot path).
    plain = check_level(HOG, Attempt()).variants[0].trace
    assert plain.slice_lines == {} and plain.line_at(heartbeat, 50) is None


LOCK_ORDER = ROOT / "tests" / "level" / "levels" / "lock-order.yaml"


def test_a_player_level_stops_at_each_choice_and_goes_on_with_one_more_pick():
    level = load_level(LOCK_ORDER)
    text = LOCK_ORDER.read_text().splitlines()

    def line(code: str) -> int:
        return text.index(code) + 1

    def asked(picks: list[str]) -> tuple[str | None, list[tuple[str, int]], int]:
        variant = check_level(level, Attempt(order=picks), Options(ask=True)).variants[0]
        where = [(a["task"], a["line"]) for a in variant.asked or []]
        assert [a["path"] for a in variant.asked or []] == [str(LOCK_ORDER)] * len(where)
        return variant.outcome, where, variant.ticks

    # Nothing picked yet: both ready at tick 0, each at its def (not started).
    assert asked([]) == (
        "pick",
        [("alice", line("      async def alice():")), ("bob", line("      def bob():"))],
        0,
    )
    # One pick at a time, as the screen asks: alice takes the left lock and pauses.
    assert asked(["alice"]) == (
        "pick",
        [("bob", line("      def bob():")), ("alice", line("          await pause()"))],
        1,
    )
    # The level's order, then one more pick where it runs out, deadlocks them.
    picks = [*level.level.solution_order, "alice"]
    assert asked(picks[:-1]) == (
        "pick",
        [
            ("alice", line("          await pause()")),
            ("bob", line("          yield right.acquire()") + 1),
        ],
        4,
    )
    final = check_level(level, Attempt(order=picks), Options(ask=True))
    assert final.variants[0].outcome == "deadlock" and final.passed
    assert final.variants[0].asked is None
