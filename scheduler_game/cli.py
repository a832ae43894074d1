"""The command line (GAME.md §5). Exit 0: every goal held on every variant; 1: some goal
failed; 2: unusable input, with `PATH:LINE:COL: message` on stderr and no traceback.

`check`, `validate`, `list`, `schema` and `new` never import Textual: authors and CI run
them many times.

Text that may hold a level file's or task code's words (titles, chapters, error messages,
problems) goes on screen through `_say`, which shows terminal control characters as
escapes (`visible`); `--json` output needs nothing, as `json.dumps` escapes them itself.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from scheduler_game.visible import visible

EXIT_WON, EXIT_LOST, EXIT_UNUSABLE = 0, 1, 2


class UsageError(Exception):
    """Unusable input: printed as is, exit 2."""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--levels",
        action="append",
        default=[],
        metavar="DIR",
        help="another folder of levels (also SCHEDULER_GAME_LEVELS, a path list)",
    )
    parser = argparse.ArgumentParser(
        prog="scheduler-game",
        description="Yield: a game about cooperative multitasking.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    play = sub.add_parser("play", parents=[common], help="open one level in the game")
    play.add_argument("level", metavar="LEVEL", help="a level id or a path to a level file")
    play.add_argument("--solution", metavar="FILE", help="start with this file's code")

    interview = sub.add_parser(
        "interview", parents=[common], help="interview practice: a problem, a clock, no hints"
    )
    interview.add_argument(
        "--minutes", type=int, default=30, metavar="N", help="the clock (default 30 minutes)"
    )

    serve = sub.add_parser("serve", parents=[common], help="serve the game to a browser")
    serve.add_argument(
        "--port", type=int, default=8000, metavar="N", help="the port on localhost (default 8000)"
    )

    check = sub.add_parser("check", parents=[common], help="run a level headless and judge it")
    check.add_argument("level", metavar="LEVEL", help="a level id or a path to a level file")
    check.add_argument(
        "--solution", metavar="FILE", help="a Python file defining the editable tasks"
    )
    check.add_argument("--reference", action="store_true", help="run the level's own solution")
    check.add_argument(
        "--choose",
        action="append",
        default=[],
        metavar="TASK=LABEL",
        help="pick a version of a task",
    )
    check.add_argument(
        "--order", metavar="T1,T2,...", help="the picks of the scheduler, by task name"
    )
    check.add_argument(
        "--shuffle", type=int, default=0, metavar="N", help="also try N random orders"
    )
    check.add_argument(
        "--policy",
        choices=["fifo", "preemptive"],
        help="run under this policy instead of the level's",
    )
    check.add_argument("--json", action="store_true", help="print the verdict as JSON")
    check.add_argument(
        "--svg",
        metavar="FILE",
        help="also write the timeline as an SVG picture to FILE (the first variant that "
        "lost, else the first)",
    )
    check.add_argument(
        "--events",
        action="store_true",
        help="print the run as it happens, one JSON object a line (run, slice, output, "
        "variant, pick, progress), the last of type verdict holding the --json object",
    )
    check.add_argument(
        "--ask",
        action="store_true",
        help="policy player: stop where the picks of --order run out and more than one "
        "task is ready, and say who is (a line of type pick with --events; exit 1: run "
        "again with one more pick). Without it the rest runs first come, first served",
    )

    validate = sub.add_parser("validate", parents=[common], help="prove level files")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="level files or folders")

    sub.add_parser("schema", parents=[common], help="print the level JSON Schema")

    new = sub.add_parser("new", parents=[common], help="write a commented level template")
    new.add_argument("id", metavar="ID", help="the new level's id, e.g. my-first-level")
    new.add_argument("--dir", default=".", help="where to write ID.yaml (default: here)")

    lst = sub.add_parser("list", parents=[common], help="list levels and your progress")
    lst.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        command = args.command or "menu"
        return int(globals()[f"cmd_{command}"](args))
    except UsageError as err:
        _say(str(err), err=True)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


# --------------------------------------------------------------------- helpers


def _say(text: str, *, err: bool = False) -> None:
    """Print a line that may quote a level file or task code: controls shown as escapes."""
    print(visible(text, newlines=True), file=sys.stderr if err else sys.stdout)


def _print_errors(errors: list[Any]) -> None:
    for err in errors:
        _say(err.format(), err=True)


def _load(path: Path) -> Any:
    from scheduler_game.level.load import LevelErrors, load_level

    try:
        return load_level(path)
    except LevelErrors as bad:
        raise UsageError("\n".join(e.format() for e in bad.errors)) from None


def _load_solution(arg: str | None) -> Any:
    """`--solution FILE`, read and checked (None without it); unusable: exit 2."""
    if not arg:
        return None
    from scheduler_game.level.load import LevelErrors, load_solution

    try:
        return load_solution(Path(arg))
    except LevelErrors as bad:
        raise UsageError("\n".join(e.format() for e in bad.errors)) from None


def _resolve(arg: str, extra: list[str]) -> Path:
    from scheduler_game.level.discover import level_dirs, resolve_level

    path = resolve_level(arg, level_dirs(extra))
    if path is None:
        raise UsageError(
            f"{arg}:1:1: no such level: give a path to a level file, or the id of a level "
            "(`scheduler-game list` shows them)"
        )
    return path


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


# --------------------------------------------------------------------- commands


def cmd_menu(args: argparse.Namespace) -> int:
    from scheduler_game.ui.app import YieldApp

    YieldApp(levels=args.levels).run()
    return EXIT_WON


def cmd_play(args: argparse.Namespace) -> int:
    from scheduler_game.ui.app import YieldApp

    loaded = _load(_resolve(args.level, args.levels))  # unusable: PATH:LINE:COL, exit 2
    solution = _load_solution(args.solution)
    YieldApp(levels=args.levels, open_level=loaded, solution=solution).run()
    return EXIT_WON


def cmd_interview(args: argparse.Namespace) -> int:
    from scheduler_game.ui.app import YieldApp

    if args.minutes < 1:
        raise UsageError("--minutes:1:1: N must be 1 or more")
    YieldApp(levels=args.levels, practice=args.minutes).run()
    return EXIT_WON


def cmd_serve(args: argparse.Namespace) -> int:
    """The game in a browser on http://localhost:PORT, loading nothing from the internet."""
    from scheduler_game.serve import CannotServe, serve

    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}:1:1: a port is a number from 1 to 65535")
    try:
        serve(args.port, args.levels)
    except CannotServe as err:
        raise UsageError(str(err)) from None
    return EXIT_WON


def cmd_check(args: argparse.Namespace) -> int:
    from scheduler_game.check_command import run_check

    return run_check(args)


def cmd_validate(args: argparse.Namespace) -> int:
    from scheduler_game.level.discover import level_files
    from scheduler_game.level.load import LevelErrors, load_level
    from scheduler_game.level.prove import prove

    paths = [Path(p) for p in args.paths]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise UsageError("\n".join(f"{p}:1:1: no such file or folder" for p in missing))
    files = level_files(paths)
    if not files:
        raise UsageError(f"{args.paths[0]}:1:1: no level files (*.yaml) here")
    worst = EXIT_WON
    for f in files:
        try:
            loaded = load_level(f)
        except LevelErrors as bad:
            _print_errors(bad.errors)
            worst = EXIT_UNUSABLE
            continue
        proof = prove(loaded)
        if proof.errors:
            _print_errors(proof.errors)
            worst = EXIT_UNUSABLE
        elif proof.problems:
            for problem in proof.problems:
                _say(f"{f}: {problem}", err=True)
            worst = max(worst, EXIT_LOST)
        else:
            _say(f"ok  {f}: {'; '.join(proof.facts)}")
    return worst


def cmd_schema(args: argparse.Namespace) -> int:
    from scheduler_game.level.schema import level_schema

    print(json.dumps(level_schema(), indent=2))
    return EXIT_WON


def cmd_new(args: argparse.Namespace) -> int:
    import re

    from scheduler_game.level.discover import schema_file
    from scheduler_game.level.template import new_level_text

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", args.id):
        raise UsageError(
            f"{args.id}:1:1: a level id is lower-case letters, digits and dashes, "
            "like my-first-level"
        )
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{args.id}.yaml"
    if target.exists():
        raise UsageError(f"{target}:1:1: already exists; choose another id or move it away")
    text = new_level_text(args.id)
    schema = schema_file()
    if schema is not None and not text.startswith("# yaml-language-server"):
        import os

        rel = os.path.relpath(schema.resolve(), folder.resolve())
        text = f"# yaml-language-server: $schema={rel}\n{text}"
    target.write_text(text, encoding="utf-8")
    _say(f"wrote {target}")
    _say(f"Fill in its TODOs, then prove it: scheduler-game validate {target}")
    return EXIT_WON


def cmd_list(args: argparse.Namespace) -> int:
    from scheduler_game.level.discover import level_dirs, level_files
    from scheduler_game.level.load import LevelErrors, load_level
    from scheduler_game.progress import SaveStore

    store = SaveStore()
    progress = store.summary()
    notice = store.take_notice()
    if notice:
        _say(f"note: {notice}", err=True)
    rows = []
    broken = []
    found = [  # the game's pack, then SCHEDULER_GAME_LEVELS, then --levels: each in order
        (rank, folder, f) for rank, folder in enumerate(level_dirs(args.levels))
        for f in level_files([folder])
    ]  # fmt: skip
    for rank, folder, f in found:
        try:
            level = load_level(f).level
        except LevelErrors as bad:
            broken.extend(bad.errors)
            continue
        p = progress.get(level.id)
        where = str(f.parent.relative_to(folder)) if f.parent.is_relative_to(folder) else ""
        rows.append(
            {
                "id": level.id,
                "title": level.title,
                "chapter": level.chapter,
                "solved": bool(p and p.solved),
                "best": p.best if p else None,
                "_order": (rank, where, level.order),  # chapters in their folders' order
            }
        )
    rows.sort(key=lambda r: r["_order"])
    for r in rows:
        del r["_order"]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        if not rows:
            print("No levels found. Add a folder with --levels DIR or SCHEDULER_GAME_LEVELS.")
        chapter = None
        for r in rows:
            if r["chapter"] != chapter:
                chapter = r["chapter"]
                _say(f"\n{visible(chapter)}")  # one line each: a newline in it is shown too
            mark = "[x]" if r["solved"] else "[ ]"
            best = f"  best {r['best']} ticks" if r["best"] is not None else ""
            _say(f"  {mark} {visible(r['id']):<28} {visible(r['title'])}{best}")
    for err in broken:
        _say(f"skipped: {err.format()}", err=True)
    return EXIT_WON


if __name__ == "__main__":
    sys.exit(main())
