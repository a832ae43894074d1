"""Loading level files: every key, and every mistake at its line and column."""

from __future__ import annotations

import ast
import json
import time
from pathlib import Path

import pytest

from scheduler_game.level.load import LevelErrors, load_level, load_level_text, load_solution
from scheduler_game.level.schema import level_schema
from scheduler_game.level.template import new_level_text

ROOT = Path(__file__).resolve().parents[2]

BASE = """\
id: demo
title: Demo
chapter: Tests
order: 1
brief: A level.
tasks:
  - name: worker
    code: |
      async def worker():
          await pause()
goals:
  - all_finish: true
"""


def errors(text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(LevelErrors) as caught:
        load_level_text(text, "demo.yaml")
    return [(e.line, e.col, e.message) for e in caught.value.errors]


def one(text: str) -> tuple[int, int, str]:
    found = errors(text)
    assert len(found) == 1, found
    return found[0]


def test_a_minimal_level_loads_with_defaults():
    level = load_level_text(BASE, "demo.yaml").level
    assert level.settings.max_ticks == 500 and level.settings.starve_after == 10
    assert level.settings.policy == "fifo" and level.settings.runaway_lines == 100_000
    assert level.tasks[0].autostart and level.tasks[0].at == 0 and level.tasks[0].args == []
    assert level.variants == [] and level.shared == {}


def test_every_key_of_the_format_is_read():
    loaded = load_level(ROOT / "levels" / "01-cooperative" / "the-hog.yaml")
    hog = loaded.level
    assert hog.settings.max_ticks == 300 and hog.par.ticks == 100 and hog.hints
    assert hog.task("cruncher").editable and hog.task("cruncher").solution
    pick = load_level(Path(__file__).parent / "levels" / "pick-one.yaml").level
    assert pick.setup and [v.seed for v in pick.variants] == [1, 2]
    assert pick.task("cruncher").answer == "B" and pick.task("cruncher").choose[0].explain
    lock = load_level(Path(__file__).parent / "levels" / "lock-order.yaml").level
    assert lock.settings.policy == "player" and lock.solution_order
    assert set(lock.shared) == {"left", "right"} and lock.shared["left"].lock is not None


def test_yaml_syntax_error():
    line, _col, message = one(BASE.replace("order: 1", "order: [1"))
    assert message.startswith("YAML syntax:") and line >= 4


def test_unknown_key_suggests_the_closest():
    text = BASE.replace("order: 1\n", "order: 1\nsettings:\n  max_tick: 5\n")
    assert one(text) == (
        6,
        3,
        "unknown key 'max_tick': did you mean 'max_ticks'? (allowed here: max_ticks, "
        "starve_after, line_cost, runaway_lines, policy, quantum, max_tasks)",
    )


def test_wrong_type_and_bad_value_point_at_the_value():
    text = BASE.replace("order: 1\n", "order: 1\nsettings:\n  max_ticks: ten\n")
    assert one(text) == (6, 14, "max_ticks must be a whole number, not 'ten'")
    text = BASE.replace("    code: |", "    at: -3\n    code: |")
    assert one(text) == (8, 9, "at must be 0 or more, not -3")


def test_missing_key():
    _line, _col, message = one(BASE.replace("title: Demo\n", ""))
    assert message == "missing key 'title'"


def test_unknown_goal():
    text = BASE.replace("  - all_finish: true", "  - all_done: true")
    line, _col, message = one(text)
    assert line == 12 and "unknown goal 'all_done'" in message and "no_starvation" in message


def test_goal_naming_a_missing_task():
    text = BASE.replace("  - all_finish: true", "  - max_wait: {task: heartbeat, ticks: 3}")
    line, _col, message = one(text)
    assert line == 12 and message == "no task named heartbeat; the tasks are worker"


def test_duplicate_task_names():
    text = BASE + BASE[BASE.index("  - name: worker") : BASE.index("goals:")]
    text = text.replace("goals:\n  - all_finish: true\n", "") + "goals:\n  - all_finish: true\n"
    found = errors(text.replace("tasks:\n", "tasks:\n", 1))
    assert any("duplicate task name worker" in m for _, _, m in found)


def test_editable_without_solution_and_choice_rules():
    text = BASE.replace("    code: |", "    editable: true\n    code: |")
    assert one(text) == (8, 5, "editable task worker needs a `solution`: the reference code")
    choose = BASE.replace(
        "    code: |\n      async def worker():\n          await pause()\n",
        "    choose:\n      - {label: A, code: 'def worker(): pass'}\n"
        "      - {label: B, code: 'def worker(): pass'}\n    answer: C\n",
    )
    assert one(choose) == (11, 5, "answer 'C' is not one of the labels: A, B")


def test_player_policy_needs_a_solution_order():
    text = BASE.replace("order: 1\n", "order: 1\nsettings:\n  policy: player\n")
    line, col, message = one(text)
    assert (line, col) == (6, 3) and "solution_order" in message


def test_python_syntax_error_points_at_the_yaml_line():
    text = BASE.replace("          await pause()", "          await pause(")
    line, _col, message = one(text)
    assert line == 10 and message.startswith("Python syntax:")


def test_duplicate_keys_are_refused():
    line, _col, message = one(BASE.replace("order: 1\n", "order: 1\norder: 2\n"))
    assert line == 5 and "duplicate key" in message


def test_alias_bombs_are_refused_quickly():
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for k in "bcdefghi":
        prev = chr(ord(k) - 1)
        bomb += (
            f"{k}: &{k} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        )
    start = time.monotonic()
    line, _col, message = one(bomb)
    assert time.monotonic() - start < 1
    assert line == 1 and "anchors and aliases" in message


def test_oversize_files_are_refused(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text(BASE + "# " + "x" * 300_000 + "\n")
    with pytest.raises(LevelErrors) as caught:
        load_level(big)
    assert "256 KiB" in caught.value.errors[0].message


@pytest.mark.parametrize(
    ("value", "first_line", "col"),
    [
        ("|\n      async def worker():\n          await pause()\n", 9, 6),
        ("|-\n      async def worker():\n          await pause()\n", 9, 6),
        ("|+\n      async def worker():\n          await pause()\n", 9, 6),
        ("|2\n      async def worker():\n          await pause()\n", 9, 6),
        ("'async def worker(): await pause()'\n", 8, 11),
    ],
)
def test_code_blocks_map_snippet_positions_to_the_file(value, first_line, col):
    text = BASE.replace("|\n      async def worker():\n          await pause()\n", value)
    loaded = load_level_text(text, "demo.yaml")
    block = loaded.block("tasks[0].code")
    assert (block.line, block.col) == (first_line, col)
    file_lines = text.splitlines()
    snippet_first = block.source.splitlines()[0]
    assert file_lines[block.line - 1][block.col :].startswith(snippet_first)
    tree = ast.parse(block.source)
    ast.increment_lineno(tree, block.line - 1)
    assert tree.body[0].lineno == first_line


def test_solution_files(tmp_path):
    good = tmp_path / "good.py"
    good.write_text("async def worker():\n    await pause()\n")
    assert load_solution(good).source.startswith("async def")
    bad = tmp_path / "bad.py"
    bad.write_text("async def worker(:\n")
    with pytest.raises(LevelErrors) as caught:
        load_solution(bad)
    assert caught.value.errors[0].format().startswith(f"{bad}:1:")
    binary = tmp_path / "bin.py"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(LevelErrors, match="must be UTF-8 text"):
        load_solution(binary)
    with pytest.raises(LevelErrors, match="cannot read"):
        load_solution(tmp_path / "missing.py")


def test_the_template_loads_as_written():
    level = load_level_text(new_level_text("my-level"), "my-level.yaml").level
    assert level.id == "my-level" and level.editable_tasks()


def test_the_committed_schema_is_up_to_date():
    committed = json.loads((ROOT / "schemas" / "level-v1.json").read_text())
    assert committed == level_schema(), (
        "schemas/level-v1.json is stale: run `scheduler-game schema > schemas/level-v1.json`"
    )


def test_every_level_file_carries_a_schema_modeline_that_resolves():
    for path in (ROOT / "levels").rglob("*.yaml"):
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target == (ROOT / "schemas" / "level-v1.json").resolve(), path


@pytest.mark.parametrize(
    ("fragment", "message"),
    [
        ("shared:\n  Queue: {queue: {}}\n", "Queue would hide the task API's Queue"),
        ("shared:\n  len: {lock: {}}\n", "len would hide the builtin len()"),
    ],
)
def test_shared_objects_cannot_hide_what_tasks_use(fragment, message):
    text = BASE.replace("tasks:\n", fragment + "tasks:\n", 1)
    line, col, found = one(text)
    assert found == f"{message}: pick another name"
    assert (line, col) == (text.splitlines().index("shared:") + 2, 3)


def test_a_task_cannot_hide_the_api():
    text = BASE.replace("name: worker", "name: cpu").replace("def worker", "def cpu")
    line, col, message = one(text)
    assert message == "cpu would hide the task API's cpu: pick another name"
    assert text.splitlines()[line - 1][col - 1 :].startswith("name: cpu")


def test_deep_nesting_is_refused_fast(tmp_path):
    import time

    deep = BASE.replace("tasks:\n", "setup: x = 1\n" + "tasks:\n", 1).replace(
        "goals:", "    args: " + "[" * 5000 + "]" * 5000 + "\ngoals:", 1
    )
    start = time.monotonic()
    line, _col, message = one(deep)
    assert time.monotonic() - start < 2
    assert deep.splitlines()[line - 1].startswith("    args: [[[")
    assert message == "nested more than 32 levels deep"
