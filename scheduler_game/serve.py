"""`scheduler-game serve`: the game in a browser, through textual-serve, on localhost
only. Each browser tab starts its own game process, `python -m scheduler_game`.

The page must load nothing from the internet. textual-serve ships its script
(xterm.js inside), its CSS and the Roboto Mono font files, but its page template takes
the font's CSS from Google Fonts: we serve that template with the link replaced by
@font-face rules on the shipped files, and refuse to serve a template that would still
fetch anything from another host.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

import textual_serve
from textual_serve.server import Server

PACKAGE = Path(textual_serve.__file__).parent
TEMPLATE = PACKAGE / "templates" / "app_index.html"
FONTS = [("normal", "RobotoMono-VariableFont_wght.ttf"),
         ("italic", "RobotoMono-Italic-VariableFont_wght.ttf")]  # fmt: skip
GOOGLE_FONTS = re.compile(r"<link\b[^>]*\bhref=\"https?://fonts\.googleapis\.com/[^\"]*\"[^>]*>")
# A fetch from another host: src=, a stylesheet's href=, url(...), @import.
REMOTE = re.compile(
    r"""(?:\bsrc\s*=\s*|<link\b[^>]*\bhref\s*=\s*|url\(\s*|@import\s+)["']?(?:https?:)?//"""
)


class CannotServe(Exception):
    """The page would need the internet, or the port can't be had."""


def offline_page() -> str:
    """textual-serve's page template, its web font served from its own static files."""
    page = TEMPLATE.read_text(encoding="utf-8")
    faces = "".join(
        f'@font-face {{ font-family: "Roboto Mono"; font-style: {style}; font-weight: 100 700; '
        f'src: url("{{{{ config.static.url }}}}fonts/{name}") format("truetype"); }}\n'
        for style, name in FONTS
        if (PACKAGE / "static" / "fonts" / name).is_file()
    )
    page = GOOGLE_FONTS.sub(lambda _: f"<style>\n{faces}</style>", page)
    remote = REMOTE.search(page)
    if remote:
        said = page[remote.start() : remote.start() + 60]
        raise CannotServe(
            f"{TEMPLATE}:1:1: this textual-serve's page loads from the internet ({said!r}); "
            "scheduler-game serve only serves pages that work offline"
        )
    return page


def game_command(levels: list[str]) -> str:
    """The shell command that starts one tab's game: this Python, the same --levels."""
    folders = [part for folder in levels for part in ("--levels", str(Path(folder).resolve()))]
    return shlex.join([sys.executable, "-m", "scheduler_game", *folders])


def serve(port: int, levels: list[str]) -> None:
    """Serve the game on http://localhost:PORT until ctrl+c; `levels` are passed to each
    game as --levels."""
    command = game_command(levels)
    url = f"http://localhost:{port}"
    page = offline_page()
    sessions: set[asyncio.Task[Any]] = set()  # one a browser tab, each with its game

    class LocalServer(Server):
        async def on_startup(self, app: Any) -> None:
            print(f"Serving Yield on {url}: open it in a browser; ctrl+c stops.", flush=True)

        async def handle_websocket(self, request: Any) -> Any:
            task = asyncio.current_task()
            assert task is not None
            sessions.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                sessions.discard(task)

        async def on_shutdown(self, app: Any) -> None:
            # ctrl+c: end each tab's game now (it quits cleanly); aiohttp alone would
            # wait for the tabs' websockets for many seconds.
            for task in list(sessions):
                task.cancel()

    with tempfile.TemporaryDirectory(prefix="scheduler-game-serve-") as templates:
        Path(templates, TEMPLATE.name).write_text(page, encoding="utf-8")
        server = LocalServer(
            command, host="localhost", port=port, title="Yield", templates_path=templates
        )
        try:
            server.serve()
        except OSError as err:  # the port is taken, or localhost can't be bound
            raise CannotServe(f"--port {port}:1:1: cannot serve on {url}: {err}") from None
