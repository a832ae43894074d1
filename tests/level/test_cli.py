"""The command line as authors, players and scripts use it: exit codes, messages, JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    assert "heartbeat waited" in r.stdout and "while cruncher ran" in r.stdout
    assert "cpu" in r.stdout and "# running" in r.stdout  # the timeline and its legend
    assert "Traceback" not in r.stdout + r.stderr
    # The rows themselves, drawn from the trace the sandbox streamed: 3 ticks a column;
    # the cruncher holds the CPU from tick 1 to 81 while the heartbeat starves.
    rows = {line.split("|")[0].strip(): line.split("|")[1] for line in r.stdout.splitlines()
            if "|" in line}  # fmt: skip
    assert rows["cpu"] == "bbbbbbbbbbbbbbbbbbbbbbbbbbbaa_a_aa_a_aa_a_aa_a"
    assert rows["a heartbeat"] == "#--!!!!!!!!!!!!!!!!!!!!!!!!##.#.##.#.##.#.##.#"
    assert rows["b cruncher"].rstrip() == "#" * 27


def test_reference_wins(home):
    r = sg("check", str(HOG), "--reference", home=home)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Level won" in r.stdout


def test_json_shape(home):
    r = sg("check", "the-hog", "--json", home=home)
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert data["level"] == "the-hog" and data["passed"] is False
    (v,) = data["variants"]
    assert {
        "seed",
        "passed",
        "outcome",
        "ticks",
        "goals",
        "tasks",
        "output",
        "waits",
        "error",
    } <= set(v)
    assert v["seed"] == 0 and v["outcome"] == "finished" and v["error"] is None
    goal = next(g for g in v["goals"] if g["goal"] == "max_wait heartbeat <= 6")
    assert goal["passed"] is False and "while cruncher ran" in goal["detail"]
    task = v["tasks"][0]
    assert {"name", "state", "cpu", "ready_wait", "longest_wait", "starved", "finished_at"} <= set(
        task
    )
    assert v["output"][0] == {"tick": 0, "task": "heartbeat", "text": "beat"}
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
        "best": hog["best"],
    }
    assert isinstance(hog["best"], int) and hog["best"] > 0


@pytest.mark.parametrize(
    ("code", "line", "col", "words"),
    [
        ("async def cruncher():\n    cpu(1\n", 2, None, ""),
        ("import os\nasync def cruncher():\n    pass\n", 1, 1, "import"),
        ("async def cruncher():\n    x = ().__class__\n", 2, None, "_"),
        ("async def crunch():\n    pass\n", 1, 1, "must define the task function cruncher()"),
        ("x = 1 / 0\nasync def cruncher():\n    pass\n", 1, 1, "ZeroDivisionError"),
    ],
)
def test_bad_solution_is_exit_2_at_its_line(tmp_path, home, code, line, col, words):
    sol = write(tmp_path, "sol.py", code)
    r = sg("check", "the-hog", "--solution", str(sol), home=home)
    assert r.returncode == 2, r.stdout + r.stderr
    first = r.stderr.strip().splitlines()[0]
    prefix = f"{sol}:{line}:"
    assert first.startswith(prefix), first
    if col is not None:
        assert first.startswith(f"{prefix}{col}:"), first
    assert words in first
    assert "Traceback" not in r.stderr
    assert r.stdout == ""  # said once, on stderr


def test_bad_level_file_is_exit_2_at_its_line(tmp_path, home):
    text = HOG.read_text().replace("  max_ticks: 300", "  max_ticks: 300\n  max_tick: 3")
    bad = write(tmp_path, "bad.yaml", text)
    r = sg("check", str(bad), home=home)
    assert r.returncode == 2
    line = text.splitlines().index("  max_tick: 3") + 1
    assert r.stderr.startswith(f"{bad}:{line}:3: "), r.stderr
    assert "max_tick" in r.stderr and "Traceback" not in r.stderr


def test_unknown_level_is_exit_2(home):
    r = sg("check", "no-such-level", home=home)
    assert r.returncode == 2 and "no such level" in r.stderr


def test_choose(home):
    level = str(TEST_LEVELS / "pick-one.yaml")
    r = sg("check", level, home=home)
    assert r.returncode == 2 and "--choose cruncher=LABEL" in r.stderr and "A, B" in r.stderr
    assert sg("check", level, "--choose", "cruncher=B", home=home).returncode == 0
    assert sg("check", level, "--choose", "cruncher=A", home=home).returncode == 1
    assert sg("check", level, "--choose", "cruncher=C", home=home).returncode == 2
    assert sg("check", level, "--reference", home=home).returncode == 0


def test_player_policy_orders(home):
    level = str(TEST_LEVELS / "lock-order.yaml")
    assert sg("check", level, home=home).returncode == 1  # FIFO does not deadlock
    assert sg("check", level, "--reference", home=home).returncode == 0
    r = sg("check", level, "--order", "alice,bob,bob,bob", "--json", home=home)
    assert r.returncode == 0, r.stdout
    v = json.loads(r.stdout)["variants"][0]
    assert v["outcome"] == "deadlock"
    assert {"task": "alice", "on": "lock right", "held_by": "bob"} in v["waits"]
    bad = sg("check", level, "--order", "alice,carol", home=home)
    assert bad.returncode == 2 and "carol" in bad.stderr


def test_shuffle_finds_a_lucky_order_and_it_replays(home):
    level = str(TEST_LEVELS / "lucky-order.yaml")
    assert sg("check", level, home=home).returncode == 0  # FIFO is lucky
    r = sg("check", level, "--shuffle", "20", "--json", home=home)
    assert r.returncode == 1
    losing = json.loads(r.stdout)["losing_order"]
    assert losing["order"]
    replay = sg("check", level, "--order", ",".join(losing["order"]), home=home)
    assert replay.returncode == 1
    assert sg("check", level, "--reference", "--shuffle", "20", home=home).returncode == 0


def test_validate_levels(home):
    r = sg("validate", "levels", str(TEST_LEVELS), home=home)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("ok  ") >= 4


def test_validate_refuses_a_starter_that_wins(tmp_path, home):
    text = HOG.read_text().replace(
        "              cpu(8)\n", "              cpu(1)\n              await pause()\n", 1
    )
    easy = write(tmp_path, "easy.yaml", text)
    r = sg("validate", str(easy), home=home)
    assert r.returncode == 1
    assert "the starter code already wins" in r.stderr


def test_schema_is_the_committed_file(home):
    r = sg("schema", home=home)
    assert r.returncode == 0
    assert json.loads(r.stdout) == json.loads((ROOT / "schemas" / "level-v1.json").read_text())


def test_new_writes_a_template_that_validates(tmp_path, home):
    r = sg("new", "my-level", "--dir", str(tmp_path), home=home)
    assert r.returncode == 0, r.stderr
    path = tmp_path / "my-level.yaml"
    assert path.read_text().startswith("# yaml-language-server: $schema=")
    v = sg("validate", str(path), home=home)
    assert v.returncode == 0, v.stdout + v.stderr
    assert sg("new", "my-level", "--dir", str(tmp_path), home=home).returncode == 2


def test_extra_level_folders(tmp_path, home):
    by_flag = json.loads(sg("list", "--json", "--levels", str(TEST_LEVELS), home=home).stdout)
    assert "lock-order" in {x["id"] for x in by_flag}
    env = {"SCHEDULER_GAME_LEVELS": str(TEST_LEVELS)}
    by_env = json.loads(sg("list", "--json", home=home, env=env).stdout)
    assert "pick-one" in {x["id"] for x in by_env}
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
    assert r.stderr.startswith(f"{bad}:1:1: missing key")
