"""Turning untrusted task code into running coroutines, in layers.

1. `rules`: the code rules, checked on the syntax tree before anything runs.
2. `guard`: the runaway guard, compiled into the code so it cannot be switched off.
3. `builtins`: the curated builtins and the fresh module globals of each run.
4. `execute`, `process`, `child`: the run itself, in a child process with CPU-time,
   memory and wall-clock limits.
"""
