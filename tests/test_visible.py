"""Text from a level file or task code never drives the terminal: `visible` and the
commands that print through it."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler_game.visible import visible

ROOT = Path(__file__).resolve().parents[1]

# What must never reach a terminal raw: C0 but tab and newline, DEL, C1, bidi controls.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# --------------------------------------------------------------------- visible


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x00", r"\x00"),
        ("\x07", r"\x07"),
        ("\x08", r"\x08"),
        ("\r", r"\x0d"),
        ("\x1b[2J", r"\x1b[2J"),
        ("\x1b]52;c;aGk=\x07", r"\x1b]52;c;aGk=\x07"),
        ("\x1f", r"\x1f"),
        ("\x7f", r"\x7f"),
        ("\x80", r"\x80"),
        ("\x9b2J", r"\x9b2J"),
        ("\x9d0;t\x9c", r"\x9d0;t\x9c"),
        ("\x9f", r"\x9f"),
        ("\ud800", r"\ud800"),
        ("a\udfffb", r"a\udfffb"),
        ("\u202a\u202b\u202c\u202d\u202e", r"\u202a\u202b\u202c\u202d\u202e"),
        ("\u2066\u2067\u2068\u2069", r"\u2066\u2067\u2068\u2069"),
    ],
)
def test_each_kind_of_control_is_shown_as_an_escape(text, shown):
    assert visible(text) == shown
    assert visible(text, newlines=True) == shown


def test_printable_text_tabs_and_backslashes_stay():
    text = "plain \\x1b is text, tab\there, é ü \xa0 ∑ 中文 🙂 \u200b"
    assert visible(text) == text


def test_the_fast_path_returns_the_same_object():
    text = "".join(["a title ", "with nothing to escape"])
    assert visible(text) is text
    lines = "".join(["two\n", "lines"])
    assert visible(lines, newlines=True) is lines


def test_newlines_are_kept_only_when_asked():
    assert visible("a\nb") == r"a\x0ab"
    assert visible("a\nb", newlines=True) == "a\nb"
    assert visible("a\r\nb", newlines=True) == "a\\x0d\nb"


def test_every_result_is_printable_utf8_and_nothing_raw_is_left():
    every = "".join(chr(c) for c in range(0x3000)) + "".join(chr(c) for c in range(0xD800, 0xE000))
    for newlines in (False, True):
        out = visible(every, newlines=newlines)
        out.encode("utf-8")  # no lone surrogate left
        assert not RAW.search(out)
        assert ("\n" in out) is newlines
    assert visible(visible("\x1b\\x")) == visible("\x1b\\x")  # idempotent


def test_visible_is_a_pure_module():
    tree = ast.parse((ROOT / "scheduler_game" / "visible.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert not (node.module or "").startswith("scheduler_game"), node.module
        elif isinstance(node, ast.Import):
            assert all(not a.name.startswith("scheduler_game") for a in node.names)


# --------------------------------------------------------------------- the commands

# YAML double-quoted escapes (\e, \a, \x9b, \u202e) put the raw characters in the
# level's text; the task code is a block scalar, so Python reads its escapes. A lone
# surrogate in the level's own text is refused by the loader (see the last test); from
# task code it reaches the output.
HOSTILE = r"""
id: hostile
title: "Hostile \e[31mred\e]0;pwned\a \x9b2J \u202eevil"
chapter: "Chap \e]52;c;aGk=\a \x9dter"
order: 1
concepts: [starvation]
brief: "Brief \e[2J with \b\b and \r over \u2066iso\u2069"
settings:
  max_ticks: 50
tasks:
  - name: evil
    code: |
      async def evil():
          print("\x1b]52;c;aGk=\x07")
          print("\x1b[2J")
          print("\ud800")
          print("bell\x07 csi\x9b2J rlo\u202e")
          await pause()
          raise ValueError("bad \x1b[31m thing")
goals:
  - all_finish: true
hints:
  - "Hint \e]52;c;aGk=\a"
debrief: "Debrief \e[2J"
"""

CHOOSY = r"""
id: choosy
title: "[bold red]x[/] [link=http://e]y[/link]"
chapter: "Test [red]chapter[/red]"
order: 1
concepts: [starvation]
brief: "b"
settings:
  max_ticks: 50
tasks:
  - name: evil
    choose:
      - label: "A\e[2J"
        code: |
          async def evil():
              print("[red]z[/red] :smile:")
      - label: "B\u202e"
        code: |
          async def evil():
              pass
    answer: "A\e[2J"
goals:
  - all_finish: true
"""


def sg(*args: str, home: Path) -> subprocess.CompletedProcess[bytes]:
    drop = {"SCHEDULER_GAME_LEVELS", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["SCHEDULER_GAME_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "scheduler_game", *args],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def screen(r: subprocess.CompletedProcess[bytes]) -> tuple[str, str]:
    """stdout and stderr, proven free of raw controls (so of colour too) and surrogates."""
    out = r.stdout.decode("utf-8")  # strict: a surrogate written out would fail here
    err = r.stderr.decode("utf-8")
    for text in (out, err):
        assert b"\x1b" not in text.encode() and "\x07" not in text and "\x9b" not in text
        assert not RAW.search(text), RAW.search(text)
        assert not re.search("[\ud800-\udfff]", text)
    assert "Traceback" not in err and "UnicodeEncodeError" not in out + err
    return out, err


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    folder = tmp_path / "levels"
    folder.mkdir()
    path = folder / "hostile.yaml"
    path.write_text(HOSTILE, encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_list_shows_a_hostile_title_and_chapter_escaped(hostile, home):
    r = sg("list", "--levels", str(hostile.parent), home=home)
    assert r.returncode == 0
    out, err = screen(r)
    lines = out.splitlines()
    assert lines[-3:] == [  # the extra folder comes after the game's own pack
        "",
        r"Chap \x1b]52;c;aGk=\x07 \x9dter",
        r"  [ ] hostile                      Hostile \x1b[31mred\x1b]0;pwned\x07 \x9b2J \u202eevil",
    ]
    assert err == ""


def test_check_shows_hostile_output_errors_and_tracebacks_escaped(hostile, home):
    r = sg("check", str(hostile), home=home)
    assert r.returncode == 1
    out, _ = screen(r)
    lines = out.splitlines()
    assert lines[0] == r"Hostile \x1b[31mred\x1b]0;pwned\x07 \x9b2J \u202eevil (hostile)"
    output = lines.index("Output:")
    assert lines[output + 1 : output + 5] == [
        r"  t=0    evil         \x1b]52;c;aGk=\x07",
        r"  t=0    evil         \x1b[2J",
        r"  t=0    evil         \ud800",
        r"  t=0    evil         bell\x07 csi\x9b2J rlo\u202e",
    ]
    # The traceback; its File line is wrapped at 80 columns where the temporary folder's
    # path makes it long: joined again, it is the one line.
    crashed = lines.index("evil crashed:")
    traceback = lines[crashed + 1 : lines.index("", crashed)]
    assert traceback[0] == "Traceback (most recent call last):"
    assert "".join(traceback[1:-2]) == f'  File "{hostile}", line 19, in evil'
    assert traceback[-2:] == [
        r'    raise ValueError("bad \x1b[31m thing")',
        r"ValueError: bad \x1b[31m thing",
    ]
    # the goal's detail
    assert r"  FAIL all_finish  evil crashed: ValueError: bad \x1b[31m thing" in lines


def test_check_json_escapes_by_itself(hostile, home):
    r = sg("check", str(hostile), "--json", home=home)
    assert r.returncode == 1
    screen(r)
    assert r.stdout.isascii()
    (v,) = json.loads(r.stdout)["variants"]
    texts = [o["text"] for o in v["output"]]
    assert texts == ["\x1b]52;c;aGk=\x07", "\x1b[2J", "\ud800", "bell\x07 csi\x9b2J rlo\u202e"]
    assert v["tasks"][0]["error"] == "ValueError: bad \x1b[31m thing"


def test_validate_shows_problems_escaped(hostile, home):
    r = sg("validate", str(hostile), home=home)
    assert r.returncode == 1
    _, err = screen(r)
    assert err.splitlines() == [
        f"{hostile}: the reference solution does not win: variant seed 0: all_finish: evil "
        r"crashed: ValueError: bad \x1b[31m thing",
        f"{hostile}: nothing for the player to do: no editable task, no choose task, and the "
        "policy is not player",
    ]


def test_errors_quoting_level_text_are_escaped(tmp_path, home):
    path = tmp_path / "choosy.yaml"
    path.write_text(CHOOSY, encoding="utf-8")
    r = sg("check", str(path), home=home)
    assert r.returncode == 2
    out, err = screen(r)
    assert out == ""
    assert err == (
        f"{path}:12:5: task evil needs a choice: --choose evil=LABEL, with LABEL one of "
        r"A\x1b[2J, B\u202e" + "\n"
    )


def test_errors_from_a_solution_file_are_escaped(tmp_path, home):
    sol = tmp_path / "sol.py"
    sol.write_text('raise ValueError("bad \\x1b[2J \\ud800")\nasync def cruncher():\n    pass\n')
    r = sg("check", "the-hog", "--solution", str(sol), home=home)
    assert r.returncode == 2
    _, err = screen(r)
    assert err == (
        f"{sol}:1:1: " + r"ValueError: bad \x1b[2J \ud800" + " (in your solution, before the "
        "clock starts)\n"
    )


def test_rich_markup_in_level_text_is_printed_literally(tmp_path, home):
    path = tmp_path / "choosy.yaml"
    path.write_text(CHOOSY, encoding="utf-8")
    r = sg("check", str(path), "--reference", home=home)
    assert r.returncode == 0, r.stderr
    out, _ = screen(r)
    lines = out.splitlines()
    assert lines[0] == "[bold red]x[/] [link=http://e]y[/link] (choosy)"
    assert "  t=0    evil         [red]z[/red] :smile:" in lines


def test_a_lone_surrogate_in_level_text_is_refused_cleanly(hostile, home):
    hostile.write_text(HOSTILE.replace("over", "over \\ud800"), encoding="utf-8")
    assert "\\ud800" in hostile.read_text()
    r = sg("check", str(hostile), home=home)
    assert r.returncode == 2
    _, err = screen(r)
    refused = (
        f"{hostile}:7:8: brief: Input should be a valid string, unable to parse raw data as a "
        "unicode string"
    )
    assert err == refused + "\n"
    r = sg("list", "--levels", str(hostile.parent), home=home)
    assert r.returncode == 0
    _, err = screen(r)
    assert err == f"skipped: {refused}\n"


def test_with_colour_forced_the_only_escapes_are_rich_colours(hostile, tmp_path, home):
    env = {k: v for k, v in os.environ.items() if k != "SCHEDULER_GAME_LEVELS"}
    env.update(SCHEDULER_GAME_HOME=str(home), FORCE_COLOR="1", TERM="xterm-256color")
    choosy = tmp_path / "choosy.yaml"
    choosy.write_text(CHOOSY, encoding="utf-8")
    for args, code in (([str(hostile)], 1), ([str(choosy), "--reference"], 0)):
        r = subprocess.run(
            [sys.executable, "-m", "scheduler_game", "check", *args],
            capture_output=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
        assert r.returncode == code, r.stderr
        out = r.stdout.decode("utf-8")
        assert "\x1b[" in out  # colour is on
        plain = re.sub("\x1b\\[[0-9;]*m", "", out)  # rich's own SGR colours
        assert not RAW.search(plain), RAW.search(plain)  # no OSC 8 link, no OSC 52, no CSI
    assert "[bold red]x[/] [link=http://e]y[/link]" in plain
