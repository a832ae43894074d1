"""The per-task figures the judge reads, as the trace recorder counted them."""

from __future__ import annotations

from scheduler_game.engine.results import TaskFigures
from scheduler_game.engine.trace import TraceRecorder


def figures(recorder: TraceRecorder) -> list[TaskFigures]:
    """Every task's figures, in spawn order, as the recorder counted them.

    Call it after the run (`run_ended` counts the waits still going on). The rules
    (docs/engine.md): a ready-wait runs from the tick a task became ready (a sleeper: its
    wake tick) to the start of its next slice, or to the end of the run if it is still
    going on then; a task starves during any ready-wait longer than its limit. `result`
    and `error` are left None: the trace does not hold them.
    """
    r = recorder
    return [
        TaskFigures(
            name=name,
            state=c.state,
            cpu=c.cpu,
            ready_wait=c.waited,
            longest_wait=c.longest,
            longest_wait_from=c.longest_from,
            max_wait=c.limit,
            starved=c.over > 0,
            starved_ticks=c.over,
            slices=c.slices,
            finished_at=c.finished,
        )
        for name, c in zip(r.names, r._figs, strict=True)
    ]
