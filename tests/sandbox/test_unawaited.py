"""Calls never awaited (sandbox/unawaited.py): the newcomer's commonest bug gets a note on
the variant, at the player's own line, in the player's words; correct code gets none.

Every check here is a real one, in the sandbox's child process (`check_level`), of a
small level written in tmp_path, so the lines are the level file's own.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

from rich.console import Console

from scheduler_game import report
from scheduler_game.level.load import load_level, load_solution
from scheduler_game.level.run import Attempt, check_level, check_level_in_process
from scheduler_game.sandbox.unawaited import MAX_NOTES

HOG = Path(__file__).parents[2] / "levels" / "01-cooperative" / "the-hog.yaml"

LEVEL = """\
id: unawaited
title: Never awaited
chapter: Test levels
order: 1
brief: A task that forgets its awaits.
settings:
  max_ticks: 200
shared:
  jobs: {{queue: {{}}}}
  door: {{event: {{}}}}
  slots: {{lock: {{}}}}
variants: [{{seed: 1}}, {{seed: 2}}]
tasks:
  - name: main
    code: |
{code}
goals:
  - output: [done]
"""

NEVER = "was never awaited: calling an async def function only makes a coroutine; await it"


def run(tmp_path: Path, code: str, *, sandbox: bool = True):
    """Check a level whose one task's code is `code`: the verdict, and the file's text."""
    body = textwrap.indent(textwrap.dedent(code).strip("\n"), " " * 6)
    path = tmp_path / "level.yaml"
    path.write_text(LEVEL.format(code=body))
    check = check_level if sandbox else check_level_in_process
    return check(load_level(path), Attempt()), path


def line_of(path: Path, text: str) -> int:
    """The line of the level file that holds `text` (once)."""
    lines = [i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    assert len(lines) == 1, (text, lines)
    return lines[0]


def notes_of(verdict) -> list[str]:
    """The notes, the same on every variant."""
    assert verdict.error is None and all(v.error is None for v in verdict.variants)
    notes = verdict.variants[0].notes
    assert all(v.notes == notes for v in verdict.variants)
    return notes


def trap_note(path: Path, call: str, verb: str = "await") -> str:
    done = "awaited" if verb == "await" else "yielded"
    line = line_of(path, f" {call}")
    return f"{path}:{line}: {call} was never {done}: without {verb} it does nothing " + (
        f"(write {verb} {call})"
    )


def test_each_trap_thrown_away_is_noted_at_its_line(tmp_path):
    verdict, path = run(
        tmp_path,
        """
        async def main():
            pause()
            sleep(3)
            jobs.put(1)
            jobs.get()
            door.wait()
            slots.acquire()
            print("done")
        """,
    )
    assert notes_of(verdict)[:MAX_NOTES] == [
        trap_note(path, call)
        for call in ["pause()", "sleep(3)", "jobs.put(1)", "jobs.get()", "door.wait()"]
    ]
    assert notes_of(verdict)[MAX_NOTES:] == ["... and 1 more calls never awaited"]


def test_a_generator_task_is_told_to_yield(tmp_path):
    verdict, path = run(
        tmp_path,
        """
        def main():
            for _ in range(3):
                pause()
                yield sleep(1)
            wait_for(jobs.get(), 5)
            print("done")
        """,
    )
    assert notes_of(verdict) == [
        trap_note(path, "pause()", "yield"),
        trap_note(path, "wait_for(jobs.get(), 5)", "yield"),
    ]


def test_a_coroutine_never_awaited_is_noted_where_it_was_made(tmp_path):
    verdict, path = run(
        tmp_path,
        """
        kept = []

        async def checksum(block):
            cpu(1)
            return block

        async def main():
            sums = []
            for block in range(3):
                sums.append(checksum(block))
            checksum(9)
            kept.append(kept)
            kept.append(checksum(7))
            print("done")
        """,
    )
    # in a list freed with the task; on a line of its own, freed at once in the task's
    # frame; in a cycle, freed only by the collector
    assert notes_of(verdict) == [
        f"{path}:{line_of(path, 'sums.append(checksum(block))')}: coroutine checksum() {NEVER}",
        f"{path}:{line_of(path, 'checksum(9)')}: coroutine checksum() {NEVER}",
        f"{path}:{line_of(path, 'kept.append(checksum(7))')}: coroutine checksum() {NEVER}",
    ]


def test_correct_code_gets_no_note(tmp_path):
    verdict, _ = run(
        tmp_path,
        """
        async def checksum(block):
            cpu(1)
            return block

        def helper():
            yield pause()

        async def main():
            later = sleep(2)
            await pause()
            await later
            coro = checksum(1)
            total = await coro
            total += await wait_for(checksum(2), 5)
            waiting = [checksum(b) for b in range(3)]
            for c in waiting:
                total += await c
            jobs.put_nowait(total)
            d = {}
            d.get(1)
            door.set()
            await door.wait()
            await coroutine(helper)()
            print("done")
        """,
    )
    assert verdict.passed
    assert notes_of(verdict) == []


def test_one_note_a_line_and_the_same_every_time(tmp_path):
    code = """
        async def checksum(block):
            return block

        async def main():
            for _ in range(50):
                pause()
                checksum(1)
            print("done")
        """
    first, path = run(tmp_path, code)
    again, _ = run(tmp_path, code)
    in_process, _ = run(tmp_path, code, sandbox=False)
    assert notes_of(first) == [
        trap_note(path, "pause()"),
        f"{path}:{line_of(path, 'checksum(1)')}: coroutine checksum() {NEVER}",
    ]
    assert notes_of(again) == notes_of(in_process) == notes_of(first)


def test_a_generator_helper_never_run(tmp_path):
    verdict, path = run(
        tmp_path,
        """
        def helper():
            yield pause()

        def main():
            helper()
            yield from helper()
            print("done")
        """,
    )
    line = line_of(path, "    helper()")
    assert notes_of(verdict) == [
        f"{path}:{line}: helper() never ran: calling a generator function only makes a "
        "generator (write yield from helper())"
    ]


def test_the_player_s_file_and_the_report_show_the_note(tmp_path):
    mine = tmp_path / "cruncher.py"
    mine.write_text(
        textwrap.dedent(
            """\
            async def cruncher():
                for chunk in range(10):
                    for part in range(4):
                        cpu(2)
                        pause()
                print("crunched")
            """
        )
    )
    verdict = check_level(load_level(HOG), Attempt(solution=load_solution(mine)))
    note = f"{mine}:5: pause() was never awaited: without await it does nothing " + (
        "(write await pause())"
    )
    assert not verdict.passed
    assert notes_of(verdict) == [note]
    out = io.StringIO()
    report.render(verdict, Console(file=out, width=400, color_system=None))
    assert f"note: {note}" in out.getvalue()
