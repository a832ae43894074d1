"""What the player has done: save data in SQLite under the user data dir."""

from scheduler_game.progress.store import (
    AttemptRecord,
    LevelProgress,
    SaveError,
    SaveStore,
    data_home,
    hash_code,
)

__all__ = ["AttemptRecord", "LevelProgress", "SaveError", "SaveStore", "data_home", "hash_code"]
