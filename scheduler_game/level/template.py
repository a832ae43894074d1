"""`scheduler-game new ID`: a commented level that loads and validates as written."""

from __future__ import annotations

TEMPLATE = """\
# A Yield level. Every key is explained; replace the TODOs with your own world.
# Prove it with: scheduler-game validate {id}.yaml
id: {id}                      # unique slug: lower-case letters, digits, dashes
title: TODO A Title           # the level's name on screen
chapter: My levels            # levels are grouped by chapter ...
order: 1                      # ... and ordered within it
concepts: [starvation, pause] # what it teaches
brief: |                      # markdown, shown before play
  TODO: tell the player what is going on and what to do.
  The heartbeat must beat every few ticks, but the cruncher never lets go.
settings:                     # all optional; the defaults are shown
  max_ticks: 300              # the clock stops here: outcome timeout
  starve_after: 10            # a task starves waiting longer than this (max_wait overrides)
  line_cost: 0                # ticks each executed line costs
  runaway_lines: 100000       # a slice running more lines than this has hung the machine
  policy: fifo                # fifo | preemptive (with quantum) | player (the player picks)
# setup: |                    # optional code run once before the clock starts
#   total = 0
# shared:                     # objects every task sees as globals
#   jobs: {{queue: {{maxsize: 2}}}}
#   ready: {{event: {{}}}}
#   door: {{lock: {{}}}}
#   slots: {{semaphore: {{value: 3}}}}
tasks:
  - name: heartbeat           # the function the code defines
    max_wait: 6               # its longest ready-wait before it starves
    code: |
      async def heartbeat():
          for _ in range(10):
              print("beat")
              await sleep(5)
  - name: cruncher
    editable: true            # the player writes this one
    code: |                   # the starter code the player sees
      async def cruncher():
          for chunk in range(10):
              cpu(8)
    solution: |               # the reference: never shown, proves the level solvable
      async def cruncher():
          for chunk in range(10):
              for part in range(4):
                  cpu(2)
                  await pause()
  # - name: picker            # or let the player choose between versions
  #   choose:
  #     - label: A
  #       code: ...
  #       explain: why A loses
  #   answer: A
goals:                        # every goal must hold on every variant
  - all_finish: true
  - max_wait: {{task: heartbeat, ticks: 6}}
  # - finish_by: 120
  # - no_starvation: true
  # - output: [beat, beat]
  # - output_includes: [done]
  # - deadlock: true          # policy player: the player wins by causing one
  # - crash: some_task        # policy player: the player wins when it crashes
# solution_order: [a, b, a]   # policy player: the picks that win
# variants: [{{seed: 1}}, {{seed: 2}}]   # hidden test cases: rand() differs
par: {{ticks: 100, lines: 5}}   # targets for stars
hints:
  - TODO a hint. Where does the cruncher give the CPU up?
debrief: |                    # markdown after a win: the lesson, and the real asyncio version
  TODO: the lesson. In asyncio: `await asyncio.sleep(0)` between chunks of work.
"""


def new_level_text(level_id: str) -> str:
    return TEMPLATE.format(id=level_id)
