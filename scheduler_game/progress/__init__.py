"""What the player has done: save data in SQLite under the user data dir."""

from scheduler_game.progress.store import Progress, data_home

__all__ = ["Progress", "data_home"]
