"""The sweep writes a midnight burst in batches: the same outcome as one move per problem.

`escalation.handle()` (one problem, through `move()`) is the reference; the batch path must give
each problem the same event, version, audit entry and hooks, and fall back to it when a batch
cannot be written as planned.
"""

from __future__ import annotations

import pytest

from riverchief.core.models import AuditEntry
from riverchief.problems import escalation, signals, states
from riverchief.problems.models import Problem, ProblemEvent
from tests.problems.test_escalation import _assigned

# Due days around 国庆 2026 (10-01 … 10-07 off; 09-27 and 10-10 are make-up working days).
DUE_DAYS = ["2026-09-22", "2026-09-25", "2026-09-29", "2026-09-30", "2026-10-09", "2026-10-12"]


def _facts(pks: list[int]) -> dict[int, tuple]:
    """What the sweep leaves per problem: level, version, and its sweep events and audit rows."""
    found = {}
    for pk in pks:
        problem = Problem.objects.get(pk=pk)
        events = [
            (e.action, e.note, e.data, e.from_state, e.to_state, e.actor_name)
            for e in ProblemEvent.objects.filter(
                problem_id=pk, action__in=["escalate", "remind"]
            ).order_by("id")
        ]
        audits = [
            (a.action, a.before, a.after, a.message, a.division_code, a.object_repr, a.actor_name)
            for a in AuditEntry.objects.filter(
                object_type="problems.problem",
                object_id=str(pk),
                action__in=["escalate", "remind"],
            ).order_by("id")
        ]
        found[pk] = (problem.escalation_level, problem.version, events, audits)
    return found


def _problems(reach) -> list[int]:
    return [_assigned(reach, due=day, description=f"批量 {day}") for day in DUE_DAYS]


def test_the_escalation_and_remind_moves_stay_possible_from_every_clock_state():
    # The batch path writes escalate/remind without asking the transition table per problem:
    # this holds only while both are allowed from exactly the states whose clock runs.
    for action in ("escalate", "remind"):
        assert set(states.TRANSITIONS[action].sources) == set(states.CLOCK_STATES)


@pytest.mark.parametrize("day", ["2026-10-09", "2026-10-13", "2026-10-16"])
def test_a_batch_gives_each_problem_what_one_move_each_gives(
    clock, reach, day, django_capture_on_commit_callbacks
):
    clock.set("2026-09-21")
    one_by_one = _problems(reach)
    batch = _problems(reach)
    clock.set(day, "00:05")
    for pk in one_by_one:  # the reference: one `move()` per problem
        escalation.handle(pk, clock.now)
    heard: list[list[tuple[int, int]]] = []
    signals.subscribe(heard.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = escalation.run_escalation()  # finds only the batch left to do
    finally:
        signals.on_transition.remove(heard.append)
    assert not result.failed
    batch_facts, reference_facts = _facts(batch), _facts(one_by_one)
    moved = [pk for pk in batch if batch_facts[pk][2]]
    assert moved, "the chosen day must move some problems"
    assert sum(result.escalated.values()) + result.reminded == len(moved)
    for mine, theirs in zip(batch, one_by_one, strict=True):
        level, version, events, audits = batch_facts[mine]
        ref_level, ref_version, ref_events, ref_audits = reference_facts[theirs]
        assert (level, version, events) == (ref_level, ref_version, ref_events)
        # The audit rows differ only in the problem they name.
        assert [row[:5] + row[6:] for row in audits] == [row[:5] + row[6:] for row in ref_audits]
    # The hooks ran once for the whole batch, with every pair in it.
    assert len(heard) == 1
    assert sorted(problem for problem, _event in heard[0]) == sorted(moved)
    # A second run changes nothing.
    again = escalation.run_escalation()
    assert not again.escalated and not again.reminded
    assert _facts(batch) == batch_facts


def test_a_batch_that_cannot_be_written_as_planned_falls_back_to_one_move_each(
    clock, reach, monkeypatch
):
    clock.set("2026-09-21")
    pks = _problems(reach)
    clock.set("2026-10-13", "00:05")
    calls: list[int] = []

    def refuse(steps, now):
        calls.append(len(steps))
        raise escalation._ChunkConflict

    monkeypatch.setattr(escalation, "_write", refuse)
    result = escalation.run_escalation()
    assert calls and not result.failed
    levels = dict(Problem.objects.filter(pk__in=pks).values_list("pk", "escalation_level"))
    assert sum(result.escalated.values()) == sum(1 for level in levels.values() if level)
    # Each was moved by `move()` exactly once per step.
    for pk in pks:
        events = ProblemEvent.objects.filter(problem_id=pk, action="escalate")
        assert events.count() == (1 if levels[pk] else 0)


def test_a_batch_is_written_in_chunks_of_the_lease_batch(clock, reach, monkeypatch):
    clock.set("2026-09-21")
    pks = _problems(reach)
    monkeypatch.setattr(escalation, "BATCH", 2)
    sizes: list[int] = []
    original = escalation._apply_chunk

    def spy(ids, *args):
        sizes.append(len(ids))
        return original(ids, *args)

    monkeypatch.setattr(escalation, "_apply_chunk", spy)
    clock.set("2026-10-16", "00:05")
    result = escalation.run_escalation()
    assert sizes and max(sizes) <= 2 and sum(sizes) == result.candidates
    assert Problem.objects.filter(pk__in=pks, escalation_level__gt=0).count() == sum(
        result.escalated.values()
    )
