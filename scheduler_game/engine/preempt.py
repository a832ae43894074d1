"""The preemptive policy: a task is stopped once it has burned its quantum, even inside
`cpu()`, and later goes on from exactly there.

A coroutine can only be suspended at a `yield` or `await`, and `cpu(8)` is a plain call,
so under this policy each task runs on a stack of its own, a greenlet, which can be
switched away from anywhere. The greenlet runs the same `Kernel._drive` as a cooperative
slice does (there is one place a task is resumed); only where it runs differs. Greenlets
are made only when a quantum is set, so cooperative runs pay nothing for them.

    kernel greenlet                      task greenlet
    _run_slice_preemptive(task) -------> _task_main: _drive(task) ... cpu(n) -> burn()
                                <------- _preempt(task)   (quantum used up)
    ... later slice ...         -------> ... back in burn(), on with the slice
                                <------- _drive returned: the task gave up the CPU
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduler_game.engine.task import DONE, READY

if TYPE_CHECKING:
    from scheduler_game.engine.kernel import Kernel
    from scheduler_game.engine.task import Task


class Preemption:
    """The greenlet path, as methods of `Kernel`."""

    __slots__ = ()

    def _run_slice_preemptive(self: Kernel, task: Task) -> None:
        """One slice of `task` on its own greenlet; back here when the slice ends."""
        if task.glet is None:
            task.glet = self._greenlet(self._task_main)
            task.glet.switch(task)
        else:  # preempted: on from inside cpu(); else from its last trap
            task.preempted = False
            task.glet.switch()

    def _task_main(self: Kernel, task: Task) -> None:
        """A task's greenlet: a slice, then wait for the next, until the task ends."""
        while True:
            value, exc = task.value, task.exc
            task.value = task.exc = None
            self._drive(task, value, exc)
            if task.state in DONE:
                return  # the greenlet ends, and the kernel goes on from its switch
            self._kernel_glet.switch()

    def _preempt(self: Kernel, task: Task) -> None:
        """The quantum is used up inside `cpu()`: to the back of the ready queue, at once."""
        task.state = READY
        task.preempted = True
        self._kernel_glet.switch()

    def _close_preempted(self: Kernel, task: Task) -> None:
        """End a task stopped inside `cpu()`, at the end of the run: GeneratorExit is
        thrown in there, as `close()` would throw it at a `yield`. `_drive` passes on
        whatever the task then raises (see `Kernel._raised`); a task that goes on to
        give up the CPU instead has ignored it."""
        try:
            task.glet.throw(GeneratorExit)
        except (GeneratorExit, StopIteration):
            return
        raise RuntimeError("coroutine ignored GeneratorExit")
