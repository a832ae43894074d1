"""`scheduler-game new ID`: a commented level that loads as written.

The example is a real level: the starter `cruncher` hogs the CPU and starves the
`heartbeat`, the solution gives the CPU up between small chunks, so `validate` proves it
(the reference wins, the starter loses) before the author has changed a line.
"""

from __future__ import annotations

TEMPLATE = """\
# A Yield level. Every key is explained below; the example works as it stands.
# Replace the TODOs with your own world, then prove it:
#   scheduler-game validate {id}.yaml
# Each key is described in docs/authoring.md; optional keys are commented out.

id: {id}                        # unique slug: lower-case letters, digits, dashes
title: TODO The Title           # the level's name on screen
chapter: My levels              # levels are grouped by chapter ...
order: 1                        # ... and ordered within it
concepts: [starvation, cooperative-multitasking]   # from the vocabulary (docs/authoring.md)
brief: |                        # markdown, shown before play
  TODO: tell the player what is going on and what to do.

  The **heartbeat** must beat every few ticks, but the **cruncher** never lets go of
  the CPU. Rewrite `cruncher` so that the heartbeat never waits more than 6 ticks.

settings:                       # all optional; these are the defaults unless noted
  max_ticks: 300                # the clock stops here: outcome timeout (default 500)
  starve_after: 10              # a task starves when it waits longer than this
  line_cost: 0                  # ticks each executed line of task code costs
  runaway_lines: 100000         # a slice running more lines than this has hung
  policy: fifo                  # fifo | preemptive | player (the player picks)
  # quantum: 5                  # policy preemptive: the ticks of a turn
  # max_tasks: 1000             # the most tasks a run may have, spawned included

# setup: |                      # code run once before the clock starts
#   total = 0

# shared:                       # objects every task sees as globals
#   jobs: {{queue: {{maxsize: 2}}}}     # q.get(), q.put(x); maxsize 0 = unbounded
#   ready: {{event: {{}}}}              # e.wait(), e.set()
#   door: {{lock: {{}}}}                # lock.acquire(), lock.release(), async with
#   slots: {{semaphore: {{value: 3}}}}  # sem.acquire(), sem.release()

tasks:                          # in module order: setup, then each task's code
  - name: heartbeat             # the function its code defines, and the task's name
    max_wait: 6                 # its longest ready-wait before it starves
    # args: []                  # arguments of its call
    # at: 0                     # the tick it arrives at
    # autostart: true           # false: defined only, started by spawn(heartbeat)
    code: |
      async def heartbeat():
          for _ in range(10):
              print("beat")
              await sleep(5)

  - name: cruncher
    editable: true              # the player writes this one
    code: |                     # TODO the starter code the player sees: it must lose
      async def cruncher():
          for chunk in range(10):
              cpu(8)
          print("crunched")
    solution: |                 # TODO the reference: never shown, it must win
      async def cruncher():
          for chunk in range(10):
              for part in range(4):
                  cpu(2)
                  await pause()
          print("crunched")

  # - name: picker              # or: the player chooses one version
  #   choose:
  #     - label: A
  #       code: |
  #         async def picker():
  #             cpu(30)
  #       explain: thirty ticks without a break   # shown after the pick
  #     - label: B
  #       code: |
  #         async def picker():
  #             for _ in range(30):
  #                 cpu(1)
  #                 await pause()
  #   answer: B                 # the label that wins

goals:                          # every goal must hold, on every variant
  - all_finish: true            # every task returned or was cancelled
  - max_wait: {{task: heartbeat, ticks: 6}}   # its longest ready-wait <= 6
  - output_includes: [crunched] # these lines, in this order, among others
  # - finish_by: 120            # the run is over by this tick
  # - no_starvation: true       # no task waits longer than its limit
  # - output: [beat, beat]      # the whole output, line by line, exactly
  # - deadlock: true            # policy player: the player wins by causing one
  # - crash: picker             # policy player: the player wins when it crashes

starter_fails: [max_wait]       # why the starter must lose: validate checks it fails these

# solution_order: [heartbeat, cruncher]   # policy player: the picks that win
# variants: [{{seed: 1}}, {{seed: 2}}]       # hidden test cases: rand(a, b) differs

par: {{ticks: 100, lines: 6}}     # TODO targets for stars: finish tick, lines of code
hints:                          # shown one at a time, when the player asks
  - TODO a hint. Where does the cruncher give the CPU up?
debrief: |                      # markdown after a win: the lesson and the asyncio version
  TODO: the lesson. A task that computes without an `await` starves everyone else.
  In asyncio: `await asyncio.sleep(0)` between chunks of work.
"""


def new_level_text(level_id: str, modeline: str | None = None) -> str:
    """The template for a level with this id; `modeline` (see `schema.modeline_for`),
    when given, is its first line."""
    text = TEMPLATE.format(id=level_id)
    return f"{modeline}\n{text}" if modeline else text
