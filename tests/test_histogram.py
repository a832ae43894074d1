"""The history histograms: bins, bars, and where par and the best are marked."""

from __future__ import annotations

from datetime import UTC, datetime

from scheduler_game.histogram import histogram
from scheduler_game.level.load import load_level
from scheduler_game.progress.store import AttemptRecord
from scheduler_game.ui.screens.history import history_text
from tests.test_svg import HOG


def test_bins_bars_and_marks():
    drawn = histogram([94, 94, 100, 120], width=10, height=2, par=100, best=94)
    # 94..120 is 27 values in at most 10 columns: 3 values a column, 9 columns
    assert drawn.bins[0] == (94, 96, 2) and drawn.bins[2] == (100, 102, 1)
    assert drawn.bins[-1] == (118, 120, 1) and len(drawn.bins) == 9
    assert drawn.lines == [
        "█",  # the tallest bin fills both rows
        "█ █     █",  # half as tall: the lower row
        "─" * 9,
        "★ ▲",
        "94 … 120   ▲ par 100   ★ your best 94",
    ]


def test_no_attempts():
    assert histogram([]).lines == ["(no attempts yet)"]


def test_history_text_lists_wins_and_losses():
    level = load_level(HOG).level
    at = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    attempts = [
        AttemptRecord(at, False, 137, 4, None, outcome="finished"),
        AttemptRecord(at, True, 94, 6, 3, outcome="finished"),
    ]
    text = history_text(level, attempts).plain
    assert text.startswith("The Hog: your attempts\n\n2 attempts, 1 won\n\n")
    assert "Winning runs by ticks to finish\n" in text
    assert "94 … 100   ▲ par 100   ★ your best 94" in text
    assert "★★★ 94 ticks, 6 lines\n" in text
    assert "✗   137 ticks, 4 lines (finished)\n" in text
