"""Loading level files: every key, and every mistake at its line and column."""

from __future__ import annotations

import ast
import errno
import json
import os
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
    assert level.tasks[0].autostart is True
    assert level.tasks[0].at == 0 and level.tasks[0].args == []
    assert level.variants == [] and level.shared == {}


def test_every_key_of_the_format_is_read():
    loaded = load_level(ROOT / "levels" / "01-cooperative" / "the-hog.yaml")
    hog = loaded.level
    assert hog.settings.max_ticks == 300 and hog.par.ticks == 100 and len(hog.hints) == 2
    assert hog.hints[0] == (
        "The heartbeat can only run when the cruncher gives the CPU up. Where does it?"
    )
    assert hog.task("cruncher").editable is True
    assert hog.task("cruncher").solution == (
        "async def cruncher():\n"
        "    for chunk in range(10):\n"
        "        for part in range(4):\n"
        "            cpu(2)\n"
        "            await pause()\n"
        '    print("crunched")\n'
    )
    pick = load_level(Path(__file__).parent / "levels" / "pick-one.yaml").level
    assert pick.setup == "beats = []\n" and [v.seed for v in pick.variants] == [1, 2]
    assert pick.task("cruncher").answer == "B"
    assert [c.explain for c in pick.task("cruncher").choose] == [
        "thirty ticks without a break",
        None,
    ]
    lock = load_level(Path(__file__).parent / "levels" / "lock-order.yaml").level
    assert lock.settings.policy == "player"
    assert lock.solution_order == ["alice", "bob", "bob", "bob"]
    assert set(lock.shared) == {"left", "right"} and lock.shared["left"].lock is not None


def test_yaml_syntax_error():
    assert one(BASE.replace("order: 1", "order: [1")) == (
        5,
        6,
        "YAML syntax: expected ',' or ']', but got ':' (while parsing a flow sequence at line 4)",
    )


def test_unknown_key_suggests_the_closest():
    text = BASE.replace("order: 1\n", "order: 1\nsettings:\n  max_tick: 5\n")
    assert one(text) == (
        6,
        3,
        "unknown key 'max_tick': did you mean 'max_ticks'? (allowed here: max_ticks, "
        "starve_after, line_cost, runaway_lines, policy, quantum, max_tasks, loop)",
    )


def test_the_asyncio_loop_refuses_another_policy_at_its_line():
    text = BASE.replace("order: 1\n", "order: 1\nsettings:\n  policy: player\n  loop: asyncio\n")
    assert one(text) == (
        7,
        3,
        "loop: asyncio runs asyncio's own FIFO loop; it cannot be policy: player",
    )


def test_wrong_type_and_bad_value_point_at_the_value():
    text = BASE.replace("order: 1\n", "order: 1\nsettings:\n  max_ticks: ten\n")
    assert one(text) == (6, 14, "max_ticks must be a whole number, not 'ten'")
    text = BASE.replace("    code: |", "    at: -3\n    code: |")
    assert one(text) == (8, 9, "at must be 0 or more, not -3")


def test_missing_key():
    assert one(BASE.replace("title: Demo\n", "")) == (1, 1, "missing key 'title'")


def test_unknown_goal():
    text = BASE.replace("  - all_finish: true", "  - all_done: true")
    assert one(text) == (
        12,
        5,
        "unknown goal 'all_done' (the goals are: all_finish, finish_by, max_wait, "
        "no_starvation, output, output_includes, deadlock, crash)",
    )


def test_goal_naming_a_missing_task():
    text = BASE.replace("  - all_finish: true", "  - max_wait: {task: heartbeat, ticks: 3}")
    line, _col, message = one(text)
    assert line == 12 and message == "no task named heartbeat; the tasks are worker"


def test_duplicate_task_names():
    text = BASE + BASE[BASE.index("  - name: worker") : BASE.index("goals:")]
    text = text.replace("goals:\n  - all_finish: true\n", "") + "goals:\n  - all_finish: true\n"
    found = errors(text.replace("tasks:\n", "tasks:\n", 1))
    assert found == [(11, 5, "duplicate task name worker")]


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
    assert one(text) == (
        6,
        3,
        "a `policy: player` level needs a `solution_order`: the picks that win",
    )


def test_python_syntax_error_points_at_the_yaml_line():
    text = BASE.replace("          await pause()", "          await pause(")
    assert one(text) == (
        10,
        22,
        "Python syntax: '(' was never closed in the code of task worker",
    )


def test_duplicate_keys_are_refused():
    assert one(BASE.replace("order: 1\n", "order: 1\norder: 2\n")) == (
        5,
        1,
        "duplicate key 'order': each key once (this mapping starts at line 1)",
    )


def test_alias_bombs_are_refused_quickly():
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for k in "bcdefghi":
        prev = chr(ord(k) - 1)
        bomb += (
            f"{k}: &{k} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        )
    start = time.monotonic()
    found = one(bomb)
    assert time.monotonic() - start < 1
    assert found == (1, 4, "anchors and aliases (& and *) are not allowed in level files")


def test_oversize_files_are_refused(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text(BASE + "# " + "x" * 300_000 + "\n")
    with pytest.raises(LevelErrors) as caught:
        load_level(big)
    assert [e.format() for e in caught.value.errors] == [
        f"{big}:1:1: a level file may be 256 KiB at most"
    ]


@pytest.mark.parametrize(
    ("value", "first_line", "col", "after"),
    [
        ("|\n      async def worker():\n          await pause()\n", 9, 6, ""),
        ("|-\n      async def worker():\n          await pause()\n", 9, 6, ""),
        ("|+\n      async def worker():\n          await pause()\n", 9, 6, ""),
        ("|2\n      async def worker():\n          await pause()\n", 9, 6, ""),
        ("'async def worker(): await pause()'\n", 8, 11, "'"),  # then the closing quote
    ],
)
def test_code_blocks_map_snippet_positions_to_the_file(value, first_line, col, after):
    text = BASE.replace("|\n      async def worker():\n          await pause()\n", value)
    loaded = load_level_text(text, "demo.yaml")
    block = loaded.block("tasks[0].code")
    assert (block.line, block.col) == (first_line, col)
    file_lines = text.splitlines()
    snippet_first = block.source.splitlines()[0]
    assert file_lines[block.line - 1][block.col :] == snippet_first + after
    tree = ast.parse(block.source)
    ast.increment_lineno(tree, block.line - 1)
    assert tree.body[0].lineno == first_line


def test_solution_files(tmp_path):
    good = tmp_path / "good.py"
    good.write_text("async def worker():\n    await pause()\n")
    assert load_solution(good).source == "async def worker():\n    await pause()\n"
    bad = tmp_path / "bad.py"
    bad.write_text("async def worker(:\n")
    with pytest.raises(LevelErrors) as caught:
        load_solution(bad)
    assert [e.format() for e in caught.value.errors] == [
        f"{bad}:1:18: Python syntax: invalid syntax"
    ]
    binary = tmp_path / "bin.py"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(LevelErrors) as caught:
        load_solution(binary)
    assert [e.format() for e in caught.value.errors] == [
        f"{binary}:1:1: a solution file must be UTF-8 text"
    ]
    missing = tmp_path / "missing.py"
    with pytest.raises(LevelErrors) as caught:
        load_solution(missing)
    # the reason in the OS's words (strerror), whatever they are here
    assert [e.format() for e in caught.value.errors] == [
        f"{missing}:1:1: cannot read: {os.strerror(errno.ENOENT)}"
    ]


def test_the_template_loads_as_written():
    level = load_level_text(new_level_text("my-level"), "my-level.yaml").level
    assert level.id == "my-level"
    assert [t.name for t in level.editable_tasks()] == ["cruncher"]


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
    assert (line, col) == (7, 5)
    assert text.splitlines()[line - 1][col - 1 :] == "name: cpu"


def test_deep_nesting_is_refused_fast(tmp_path):
    import time

    deep = BASE.replace("tasks:\n", "setup: x = 1\n" + "tasks:\n", 1).replace(
        "goals:", "    args: " + "[" * 5000 + "]" * 5000 + "\ngoals:", 1
    )
    start = time.monotonic()
    line, col, message = one(deep)
    assert time.monotonic() - start < 2
    assert deep.splitlines()[line - 1] == "    args: " + "[" * 5000 + "]" * 5000
    assert (line, col) == (12, 40)  # at the bracket one level too deep
    assert message == "nested more than 32 levels deep"


def test_many_collections_side_by_side_are_not_nesting():
    """Depth is how deep, not how many: 40 variants (40 mappings in a list) load."""
    variants = "variants: [" + ", ".join(f"{{seed: {i}}}" for i in range(40)) + "]\n"
    level = load_level_text(BASE + variants, "many.yaml").level
    assert [v.seed for v in level.variants] == list(range(40))
