"""`validate`: a level is proved when its reference wins on every variant and its starter
does not. Each step runs from fresh module state."""

from __future__ import annotations

from dataclasses import dataclass, field

from scheduler_game.level.load import LoadedLevel
from scheduler_game.level.run import Attempt, Options, check_many
from scheduler_game.level.verdict import CodeErrorInfo, Verdict

SHUFFLES = 20  # random orders tried on a starter that wins under FIFO


@dataclass
class Proof:
    errors: list[CodeErrorInfo] = field(default_factory=list)  # unusable: exit 2
    problems: list[str] = field(default_factory=list)  # the level does not prove out: exit 1
    facts: list[str] = field(default_factory=list)  # what was shown, for the ok line


def _first_failure(verdict: Verdict) -> str:
    for v in verdict.variants:
        for g in v.goals:
            if not g.passed:
                return f"variant seed {v.seed}: {g.goal}: {g.detail}"
    if verdict.losing_order is not None:
        return f"loses under --order {','.join(verdict.losing_order.order)}"
    if verdict.stopped:
        return f"stopped by {verdict.stopped}"
    return "some goal failed"


def _error(verdict: Verdict) -> CodeErrorInfo | None:
    return next((v.error for v in verdict.variants if v.error is not None), None)


def starters(loaded: LoadedLevel) -> list[tuple[str, Attempt, list[str]]]:
    """Every way the level must be lost: its starter code, each wrong choice, plain FIFO,
    each with the goals it must fail (`starter_fails`, a choice's `fails`)."""
    level = loaded.level
    answers = {t.name: t.answer for t in level.tasks if t.choose and t.answer}
    out: list[tuple[str, Attempt, list[str]]] = []
    must = list(level.starter_fails)
    if level.editable_tasks():
        out.append(("the starter code", Attempt(choices=dict(answers)), must))
    for task in level.choose_tasks():
        for choice in task.choose or []:
            if choice.label != task.answer:
                wrong = {**answers, task.name: choice.label}
                out.append(
                    (
                        f"choice {choice.label} of {task.name}",
                        Attempt(reference=True, choices=wrong),
                        list(choice.fails),
                    )
                )
    if level.settings.policy == "player":
        out.append(("the plain FIFO order", Attempt(reference=True, order=[]), must))
    return out


def _failed_goals(verdict: Verdict) -> set[str]:
    """The goals (by name: `max_wait`, ...) that failed on some variant or random order."""
    failed = {g.goal.split(" ")[0].split(":")[0] for v in verdict.variants for g in v.goals
              if not g.passed}  # fmt: skip
    if verdict.losing_order is not None:
        failed |= {g.goal.split(" ")[0].split(":")[0] for g in verdict.losing_order.failed}
    return failed


def prove(loaded: LoadedLevel) -> Proof:
    """Run the reference and every way to lose, all in one sandboxed child.

    The reference must win under FIFO and under SHUFFLES random orders (where the goals
    about order and correctness are judged); each starter must lose, under FIFO or some
    random order (a level may teach that code wins only by luck).
    """
    proof = Proof()
    player = loaded.level.settings.policy == "player"
    reference_shuffle = 0 if player else SHUFFLES
    ways = starters(loaded)
    attempts: list[tuple[Attempt, Options | None]] = [
        (Attempt(reference=True), Options(shuffle=reference_shuffle, timeline=False))
    ]
    attempts += [
        (attempt, Options(shuffle=0 if attempt.order is not None else SHUFFLES, timeline=False))
        for _, attempt, _must in ways
    ]
    reference, *others = check_many(loaded, attempts)
    error = _error(reference)
    if error is not None:
        proof.errors.append(error)
        return proof
    seeds = len(reference.variants)
    if reference.passed:
        shuffled = f" and under {SHUFFLES} random orders" if reference_shuffle else ""
        proof.facts.append(
            f"the reference wins on {seeds} variant{'s' if seeds > 1 else ''}{shuffled}"
        )
    else:
        proof.problems.append(f"the reference solution does not win: {_first_failure(reference)}")
    if not ways:
        proof.problems.append(
            "nothing for the player to do: no editable task, no choose task, and the policy "
            "is not player"
        )
    for (what, _attempt, must), verdict in zip(ways, others, strict=True):
        error = _error(verdict)
        if error is not None:
            proof.errors.append(error)
        elif verdict.passed:
            proof.problems.append(
                f"{what} already wins: it must lose on some variant (or some of "
                f"{SHUFFLES} random orders)"
            )
        elif missing := [goal for goal in must if goal not in _failed_goals(verdict)]:
            proof.problems.append(
                f"{what} loses, but not for the reason the level says: it does not fail "
                f"{', '.join(missing)} ({_first_failure(verdict)})"
            )
        else:
            proof.facts.append(f"{what} loses ({_first_failure(verdict)})")
    return proof
