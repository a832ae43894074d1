"""Regenerate docs/screenshot.svg, the README's picture of the game:
`python3 docs/screenshot.py`. The level screen after the starter code of the-hog lost,
with the timeline's cursor where the heartbeat began to starve."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from textual.widgets import TabbedContent

from scheduler_game.level.load import load_level
from scheduler_game.progress import SaveStore
from scheduler_game.ui.app import YieldApp
from scheduler_game.ui.screens.verdict import VerdictScreen

HERE = Path(__file__).resolve().parent
HOG = HERE.parent / "levels" / "01-cooperative" / "the-hog.yaml"


async def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        app = YieldApp(open_level=load_level(HOG), store=SaveStore(home=Path(home)))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("ctrl+r")
            deadline = time.monotonic() + 30
            while not isinstance(app.screen, VerdictScreen):
                assert time.monotonic() < deadline, "the run took too long"
                await pilot.pause(0.05)
            await pilot.press("w")
            # the heartbeat's tab: the line it is at when it starts to starve
            app.screen.query_one(TabbedContent).active = "tab-task-heartbeat"
            await pilot.pause(0.3)
            app.save_screenshot(filename="screenshot.svg", path=str(HERE))
    print(f"wrote {HERE / 'screenshot.svg'}")


if __name__ == "__main__":
    asyncio.run(main())
