"""The level file: its model, loading with line numbers, judging, finding levels.

Kept free of imports: the sandbox's child process imports `scheduler_game.level.judge`
and must stay light (no pydantic, no YAML).
"""
