"""The command line as authors, players and scripts use it: exit codes, messages, JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler_game.level.discover import level_files
from scheduler_game.level.load import load_level

ROOT = Path(__file__).resolve().parents[2]
HOG = ROOT / "levels" / "01-cooperative" / "the-hog.yaml"
TEST_LEVELS = Path(__file__).parent / "levels"

GOOD_CRUNCHER = """\
async def cruncher():
    for chunk in range(10):
        for part in range(4):
            cpu(2)
            await pause()
    print("crunched")
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def sg(
    *args: str, home: Path | None = None, env: dict[str, str] | None = None, cwd: Path | None = None
):
    full_env = {k: v for k, v in os.environ.items() if k != "SCHEDULER_GAME_LEVELS"}
    if home is not None:
        full_env["SCHEDULER_GAME_HOME"] = str(home)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "scheduler_game", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or ROOT,
        timeout=120,
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_starter_loses_with_a_drawn_timeline(home):
    r = sg("check", "the-hog", home=home)
    assert r.returncode == 1, r.stderr
    out = r.stdout.splitlines()
    assert out[0] == "The Hog (the-hog)"
    assert out[1] == "variant seed 0: finished at tick 137 (fifo)  FAIL"
    fail = "  FAIL max_wait heartbeat <= 6  heartbeat waited 76 ticks (t=5..81) while cruncher ran"
    assert fail in out
    assert "  # running  - ready  ! starving  = blocked  . sleeping  _ idle" in out  # legend
    assert out[-1] == "Not yet: some goal failed."
    assert r.stderr == ""
    # The rows themselves, drawn from the trace the sandbox streamed: 3 ticks a column;
    # the cruncher holds the CPU from tick 1 to 81 while the heartbeat starves.
    rows = {line.split("|")[0].strip(): line.split("|")[1] for line in r.stdout.splitlines()
            if "|" in line}  # fmt: skip
    assert rows["cpu"] == "bbbbbbbbbbbbbbbbbbbbbbbbbbbaa_a_aa_a_aa_a_aa_a"
    assert rows["a heartbeat"] == "#--!!!!!!!!!!!!!!!!!!!!!!!!##.#.##.#.##.#.##.#"
    assert rows["b cruncher"] == "#" * 27 + " " * 19  # done at 81: blank after


def test_reference_wins(home):
    r = sg("check", str(HOG), "--reference", home=home)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout.splitlines()
    assert out[1] == "variant seed 0: finished at tick 94 (fifo)  PASS"
    assert out[-1] == "Level won: every goal held on every variant."


def test_json_shape(home):
    r = sg("check", "the-hog", "--json", home=home)
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert data["level"] == "the-hog" and data["passed"] is False
    (v,) = data["variants"]
    assert set(data) == {
        "level", "passed", "variants", "title", "shuffled", "shuffle_goals", "losing_order",
        "error", "lines", "stopped",
    }  # fmt: skip
    # GAME.md §5's fields first, then the extensions (docs/authoring.md)
    assert set(v) == {
        "seed", "passed", "outcome", "ticks", "goals", "tasks", "output", "waits", "error",
        "policy", "order", "hung", "dropped_output", "notes", "asked",
    }  # fmt: skip
    assert v["seed"] == 0 and v["outcome"] == "finished" and v["error"] is None
    assert v["goals"] == [
        {"goal": "all_finish", "passed": True, "detail": "every task finished by tick 137"},
        {"goal": "max_wait heartbeat <= 6", "passed": False,
         "detail": "heartbeat waited 76 ticks (t=5..81) while cruncher ran"},
        {"goal": "output_includes 'crunched'", "passed": True,
         "detail": "every line found, in order"},
    ]  # fmt: skip
    task = v["tasks"][0]
    assert set(task) == {
        "name", "state", "cpu", "ready_wait", "longest_wait", "starved", "finished_at",
        "longest_wait_from", "max_wait", "switches", "error", "traceback",
    }  # fmt: skip
    assert v["output"] == [
        {"tick": 0, "task": "heartbeat", "text": "beat"},
        {"tick": 81, "task": "cruncher", "text": "crunched"},
        *[{"tick": t, "task": "heartbeat", "text": "beat"} for t in range(81, 132, 5)],
    ]
    assert "timeline" not in v


def test_solution_file_wins_and_progress_is_saved(tmp_path, home):
    sol = write(tmp_path, "sol.py", GOOD_CRUNCHER)
    r = sg("check", "the-hog", "--solution", str(sol), home=home)
    assert r.returncode == 0, r.stdout + r.stderr
    listed = json.loads(sg("list", "--json", home=home).stdout)
    hog = next(x for x in listed if x["id"] == "the-hog")
    assert hog == {
        "id": "the-hog",
        "title": "The Hog",
        "chapter": "Cooperative multitasking",
        "solved": True,
        "best": 94,  # ticks: GOOD_CRUNCHER finishes at 94
    }


@pytest.mark.parametrize(
    ("code", "line", "col", "message"),
    [
        ("async def cruncher():\n    cpu(1\n", 2, 8, "Python syntax: '(' was never closed"),
        (
            "import os\nasync def cruncher():\n    pass\n",
            1,
            1,
            "imports are not allowed: task code runs in a sandbox; everything it may use is "
            "already there (see the task API)",
        ),
        (
            "async def cruncher():\n    x = ().__class__\n",
            2,
            12,
            "`.__class__`: attributes starting with _ are not allowed: they are the doors into "
            "Python's internals, outside the sandbox",
        ),
        (
            "async def crunch():\n    pass\n",
            1,
            1,
            "your solution must define the task function cruncher(): write "
            "`async def cruncher(...)` or `def cruncher(...)`",
        ),
        (
            "x = 1 / 0\nasync def cruncher():\n    pass\n",
            1,
            1,
            "ZeroDivisionError: division by zero (in your solution, before the clock starts)",
        ),
    ],
)
def test_bad_solution_is_exit_2_at_its_line(tmp_path, home, code, line, col, message):
    sol = write(tmp_path, "sol.py", code)
    r = sg("check", "the-hog", "--solution", str(sol), home=home)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr == f"{sol}:{line}:{col}: {message}\n"
    assert r.stdout == ""  # said once, on stderr


def test_bad_level_file_is_exit_2_at_its_line(tmp_path, home):
    text = HOG.read_text().replace("  max_ticks: 300", "  max_ticks: 300\n  max_tick: 3")
    bad = write(tmp_path, "bad.yaml", text)
    r = sg("check", str(bad), home=home)
    assert r.returncode == 2
    line = text.splitlines().index("  max_tick: 3") + 1
    assert r.stderr == (
        f"{bad}:{line}:3: unknown key 'max_tick': did you mean 'max_ticks'? (allowed here: "
        "max_ticks, starve_after, line_cost, runaway_lines, policy, quantum, max_tasks, loop)\n"
    )
    assert r.stdout == ""


def test_unknown_level_is_exit_2(home):
    r = sg("check", "no-such-level", home=home)
    assert r.returncode == 2
    assert r.stderr == (
        "no-such-level:1:1: no such level: give a path to a level file, or the id of a level "
        "(`scheduler-game list` shows them)\n"
    )


def test_choose(home):
    level = str(TEST_LEVELS / "pick-one.yaml")
    r = sg("check", level, home=home)
    assert r.returncode == 2
    assert r.stderr == (
        f"{level}:21:5: task cruncher needs a choice: --choose cruncher=LABEL, with LABEL one "
        "of A, B\n"
    )
    assert sg("check", level, "--choose", "cruncher=B", home=home).returncode == 0
    assert sg("check", level, "--choose", "cruncher=A", home=home).returncode == 1
    r = sg("check", level, "--choose", "cruncher=C", home=home)
    assert r.returncode == 2
    assert r.stderr == f"{level}:21:5: task cruncher has no choice 'C'; its choices are A, B\n"
    assert sg("check", level, "--reference", home=home).returncode == 0


def test_player_policy_orders(home):
    level = str(TEST_LEVELS / "lock-order.yaml")
    assert sg("check", level, home=home).returncode == 1  # FIFO does not deadlock
    assert sg("check", level, "--reference", home=home).returncode == 0
    r = sg("check", level, "--order", "alice,bob,bob,bob", "--json", home=home)
    assert r.returncode == 0, r.stdout
    v = json.loads(r.stdout)["variants"][0]
    assert v["outcome"] == "deadlock"
    assert v["waits"] == [
        {"task": "alice", "on": "lock right", "held_by": "bob"},
        {"task": "bob", "on": "lock left", "held_by": "alice"},
    ]
    bad = sg("check", level, "--order", "alice,carol", home=home)
    assert bad.returncode == 2
    assert bad.stderr == (
        "--order:1:1: pick 'carol' is not ready here; the ready tasks are: bob, alice\n"
    )


def test_shuffle_finds_a_lucky_order_and_it_replays(home):
    level = str(TEST_LEVELS / "lucky-order.yaml")
    assert sg("check", level, home=home).returncode == 0  # FIFO is lucky
    r = sg("check", level, "--shuffle", "20", "--json", home=home)
    assert r.returncode == 1
    losing = json.loads(r.stdout)["losing_order"]
    assert losing == {
        "seed": 0,
        "shuffle": 1,  # the first seeded random order already loses
        "order": ["first", "second", "second"],
        "failed": [{"goal": "output (2 lines)", "passed": False,
                    "detail": "line 1: expected 'first', got 'second'"}],
    }  # fmt: skip
    replay = sg("check", level, "--order", ",".join(losing["order"]), home=home)
    assert replay.returncode == 1
    assert sg("check", level, "--reference", "--shuffle", "20", home=home).returncode == 0


def test_validate_levels(home):
    r = sg("validate", "levels/01-cooperative/the-hog.yaml", str(TEST_LEVELS), home=home)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [
        "ok  levels/01-cooperative/the-hog.yaml: the reference wins on 1 variant and under 20 "
        "random orders; the starter code loses (variant seed 0: max_wait heartbeat <= 6: "
        "heartbeat waited 76 ticks (t=5..81) while cruncher ran)",
        f"ok  {TEST_LEVELS}/lock-order.yaml: the reference wins on 1 variant; the plain FIFO "
        "order loses (variant seed 0: deadlock: no deadlock: finished)",
        f"ok  {TEST_LEVELS}/lucky-order.yaml: the reference wins on 1 variant and under 20 "
        "random orders; the starter code loses (loses under --order first,second,second)",
        f"ok  {TEST_LEVELS}/pick-one.yaml: the reference wins on 2 variants and under 20 "
        "random orders; choice A of cruncher loses (variant seed 1: no_starvation: heartbeat "
        "waited 29 ticks (t=3..32) while cruncher ran, over its limit of 4)",
    ]
    assert r.stderr == ""


def test_validate_refuses_a_starter_that_wins(tmp_path, home):
    text = HOG.read_text().replace(
        "              cpu(8)\n", "              cpu(1)\n              await pause()\n", 1
    )
    easy = write(tmp_path, "easy.yaml", text)
    r = sg("validate", str(easy), home=home)
    assert r.returncode == 1
    assert r.stderr == (
        f"{easy}: the starter code already wins: it must lose on some variant (or some of 20 "
        "random orders)\n"
    )


def test_schema_is_the_committed_file(home):
    r = sg("schema", home=home)
    assert r.returncode == 0
    assert json.loads(r.stdout) == json.loads((ROOT / "schemas" / "level-v1.json").read_text())


def test_new_writes_a_template_that_validates(tmp_path, home):
    r = sg("new", "my-level", "--dir", str(tmp_path), home=home)
    assert r.returncode == 0, r.stderr
    path = tmp_path / "my-level.yaml"
    assert r.stdout == (
        f"wrote {path}\nFill in its TODOs, then prove it: scheduler-game validate {path}\n"
    )
    schema = os.path.relpath(ROOT / "schemas" / "level-v1.json", tmp_path)
    first = path.read_text().splitlines()[0]
    assert first == f"# yaml-language-server: $schema={schema}"
    v = sg("validate", str(path), home=home)
    assert v.returncode == 0, v.stdout + v.stderr
    again = sg("new", "my-level", "--dir", str(tmp_path), home=home)
    assert again.returncode == 2
    assert again.stderr == f"{path}:1:1: already exists; choose another id or move it away\n"


def test_extra_level_folders(tmp_path, home):
    by_flag = json.loads(sg("list", "--json", "--levels", str(TEST_LEVELS), home=home).stdout)
    # the game's pack first (its chapters in their folders' order), then the extra folder
    files = level_files([ROOT / "levels"])
    pack = sorted(
        ((str(f.parent), load_level(f).level) for f in files), key=lambda p: (p[0], p[1].order)
    )
    ids = [lv.id for _, lv in pack] + ["lock-order", "pick-one", "lucky-order"]
    assert [x["id"] for x in by_flag] == ids
    assert by_flag[0] == {
        "id": "the-first-pause",
        "title": "The First Pause",
        "chapter": "Cooperative multitasking",
        "solved": False,
        "best": None,
    }
    env = {"SCHEDULER_GAME_LEVELS": str(TEST_LEVELS)}
    by_env = json.loads(sg("list", "--json", home=home, env=env).stdout)
    assert by_env == by_flag
    assert sg("check", "pick-one", "--reference", home=home, env=env).returncode == 0


def test_check_does_not_import_textual(home):
    code = (
        "import sys\n"
        "from scheduler_game.cli import main\n"
        f"rc = main(['check', {str(HOG)!r}, '--json'])\n"
        "assert 'textual' not in sys.modules, 'check imported textual'\n"
        "sys.exit(0 if rc == 1 else 3)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "SCHEDULER_GAME_HOME": str(home)},
    )
    assert r.returncode == 0, r.stderr


def test_json_for_an_unusable_level_file(tmp_path, home):
    bad = write(tmp_path, "bad.yaml", "id: x\ntitle: X\n")
    r = sg("check", str(bad), "--json", home=home)
    assert r.returncode == 2
    data = json.loads(r.stdout)
    assert data["passed"] is False and data["variants"] == []
    assert data["error"] == {
        "path": str(bad),
        "line": 1,
        "col": 1,
        "message": "missing key 'chapter'",
    }
    assert r.stderr == "".join(
        f"{bad}:1:1: missing key '{key}'\n"
        for key in ("chapter", "order", "brief", "tasks", "goals")
    )


LOCK_ORDER = TEST_LEVELS / "lock-order.yaml"


def lock_order_line(code: str) -> int:
    return LOCK_ORDER.read_text().splitlines().index(code) + 1


def event_lines(*args: str, home: Path) -> tuple[int, list[str]]:
    r = sg("check", str(LOCK_ORDER), "--events", "--ask", *args, home=home)
    assert "Traceback" not in r.stderr, r.stderr
    return r.returncode, r.stdout.splitlines()


def test_events_on_a_player_level_stop_at_the_first_pick(home):
    code, lines = event_lines(home=home)
    assert code == 1  # the run did not end: no goal holds yet
    alice, bob = lock_order_line("      async def alice():"), lock_order_line("      def bob():")
    assert lines[:4] == [
        '{"type":"run","seed":0,"policy":"order"}',
        '{"type":"pick","variant":0,"tick":0,"ready":'
        f'[{{"task":"alice","line":{alice}}},{{"task":"bob","line":{bob}}}]}}',
        '{"type":"variant","seed":0,"passed":false,"outcome":"pick","ticks":0}',
        '{"type":"progress","done":1,"total":1}',
    ]
    assert len(lines) == 5
    verdict = json.loads(lines[4])
    assert verdict["type"] == "verdict" and verdict["passed"] is False
    (variant,) = verdict["variants"]
    assert variant["asked"] == [
        {"task": "alice", "path": str(LOCK_ORDER), "line": alice},
        {"task": "bob", "path": str(LOCK_ORDER), "line": bob},
    ]
    assert variant["goals"] == [
        {"goal": "deadlock", "passed": False, "detail": "no deadlock: pick"}
    ]


def test_events_on_a_player_level_ask_where_the_order_runs_out(home):
    code, lines = event_lines("--order", "alice", home=home)
    assert code == 1
    bob, alice = lock_order_line("      def bob():"), lock_order_line("          await pause()")
    assert [json.loads(line) for line in lines[:-1]] == [
        {"type": "run", "seed": 0, "policy": "order"},
        {"type": "slice", "seed": 0, "task": "alice", "start": 0, "end": 1, "state": "ready",
         "detail": None},
        {"type": "pick", "variant": 0, "tick": 1,
         "ready": [{"task": "bob", "line": bob}, {"task": "alice", "line": alice}]},
        {"type": "variant", "seed": 0, "passed": False, "outcome": "pick", "ticks": 1},
        {"type": "progress", "done": 1, "total": 1},
    ]  # fmt: skip
    # The level's own order stops one pick short of its deadlock: asked there, too.
    code, lines = event_lines("--order", "alice,bob,bob,bob", home=home)
    assert code == 1
    (pick,) = [json.loads(line) for line in lines if '"type":"pick"' in line]
    assert pick == {
        "type": "pick",
        "variant": 0,
        "tick": 4,
        "ready": [
            # each at the pause it gave the CPU up at: alice holds left, bob right
            {"task": "alice", "line": lock_order_line("          await pause()")},
            {"task": "bob", "line": lock_order_line("          yield right.acquire()") + 1},
        ],
    }


@pytest.mark.parametrize(
    ("args", "exit_code", "outcome"),
    [
        (("--order", "alice,bob,bob,bob,alice"), 0, "deadlock"),  # every pick given
        (("--reference",), 0, "deadlock"),  # its solution_order, then FIFO, as check does
        (("--policy", "fifo"), 1, "finished"),  # not the player's scheduler: no asking
    ],
)
def test_events_on_a_player_level_never_ask_for_a_pick_not_needed(home, args, exit_code, outcome):
    code, lines = event_lines(*args, home=home)
    assert code == exit_code
    events = [json.loads(line) for line in lines]
    assert [e for e in events if e["type"] == "pick"] == []
    (variant,) = [e for e in events if e["type"] == "variant"]
    assert variant["outcome"] == outcome
    assert events[-1]["variants"][0]["asked"] is None


@pytest.mark.parametrize("report", ["--json", "--events"])
def test_without_ask_the_picks_run_out_into_fifo(home, report):
    """--events tells the same run as --json: only --ask stops to ask."""
    r = sg("check", str(LOCK_ORDER), "--order", "alice", report, home=home)
    assert r.returncode == 1
    verdict = r.stdout if report == "--json" else r.stdout.splitlines()[-1]
    (variant,) = json.loads(verdict)["variants"]
    assert (variant["outcome"], variant["asked"]) == ("finished", None)
    assert '"type":"pick"' not in r.stdout


def test_help_names_the_pick_event(home):
    r = sg("check", "--help", home=home)
    assert r.returncode == 0
    assert "a line of type pick with --events" in " ".join(r.stdout.split())


def test_validate_checks_the_starter_loses_for_the_reason_the_level_says(home, tmp_path):
    level = tmp_path / "wrong-reason.yaml"
    text = HOG.read_text().replace("starter_fails: [max_wait]", "starter_fails: [all_finish]")
    level.write_text(text)
    r = sg("validate", str(level), home=home)
    assert r.returncode == 1, r.stderr
    assert r.stdout == ""
    assert r.stderr == (
        f"{level}: the starter code loses, but not for the reason the level says: it "
        "does not fail all_finish (variant seed 0: max_wait heartbeat <= 6: heartbeat "
        "waited 76 ticks (t=5..81) while cruncher ran)\n"
    )


def test_a_concept_outside_the_vocabulary_is_refused_at_its_line(home, tmp_path):
    level = tmp_path / "typo.yaml"
    level.write_text(
        HOG.read_text().replace(
            "concepts: [cooperative-multitasking, starvation]",
            "concepts: [cooperative-multitasking, starvaton]",
        )
    )
    r = sg("validate", str(level), home=home)
    assert r.returncode == 2
    assert r.stderr.endswith("not 'starvaton': did you mean 'starvation'?\n")
    assert r.stderr.startswith(f"{level}:6:38: every item of concepts must be one of ")
