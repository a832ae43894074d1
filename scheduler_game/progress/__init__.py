"""What the player has done: save data in SQLite under the user data dir."""

from scheduler_game.progress.store import SaveStore, data_home

__all__ = ["SaveStore", "data_home"]
