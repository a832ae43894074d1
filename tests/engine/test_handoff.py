"""A lock or an item handed to a waiting task is its own once it runs: cancelling it
later (cancel(), a wait_for deadline) must not take back what it already used."""

from __future__ import annotations

from scheduler_game.level.load import load_level_text
from scheduler_game.level.run import Attempt, check_level_in_process

LEVEL = """\
id: handoff
title: Handoff
chapter: t
order: 1
brief: b
shared:
  link: {lock: {}}
  box: {queue: {}}
tasks:
  - name: holder
    code: |
      async def holder():
          async with link:
              await sleep(3)
  - name: main
    code: |
      async def main():
          await pause()
          async def slow():
              async with link:  # handed the lock, then sleeps past the deadline
                  await sleep(100)
          try:
              await wait_for(slow(), 10)
          except Timeout:
              print("timed out; locked:", link.locked())
  - name: getter
    code: |
      async def getter():
          print("got", await box.get())  # handed the item by the put
          await sleep(50)
  - name: putter
    code: |
      async def putter():
          await sleep(2)
          box.put_nowait("x")
          await sleep(5)
          print("cancelled:", cancel(waiter))
          print("left in the box:", box.qsize())
  - name: starter
    code: |
      async def starter():
          global waiter
          waiter = spawn(getter)
    autostart: true
setup: |
  waiter = None
goals:
  - all_finish: true
"""


def test_a_handed_lock_or_item_is_not_taken_back_after_the_task_ran():
    level = load_level_text(
        LEVEL.replace("  - name: getter\n", "  - name: getter\n    autostart: false\n"),
        "handoff.yaml",
    )
    verdict = check_level_in_process(level, Attempt())
    [variant] = verdict.variants
    assert [(o.tick, o.task, o.text) for o in variant.output] == [
        (9, "getter", "got x"),
        (12, "putter", "cancelled: True"),
        (12, "putter", "left in the box: 0"),  # not put back: the getter took it
        (14, "main", "timed out; locked: False"),  # released once, by its own async with
    ]
    assert [g.passed for g in variant.goals] == [True]
