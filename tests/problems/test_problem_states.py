"""The transition table on its own: plain facts in, allowed actions out (no database)."""

from __future__ import annotations

from riverchief.problems.states import (
    SYSTEM,
    TRANSITIONS,
    Actor,
    Facts,
    State,
    allowed,
    possible_from,
)

VILLAGE = "140826101201"
TOWNSHIP = "140826101000"
COUNTY = "140826000000"
OFFICE = Actor(user_id=1, role="office", division_code=COUNTY)
OTHER_OFFICE = Actor(user_id=2, role="office", division_code="140827000000")
TOWNSHIP_CHIEF = Actor(user_id=3, role="chief", division_code=TOWNSHIP)
VILLAGE_CHIEF = Actor(user_id=4, role="chief", division_code=VILLAGE)
DEPT = Actor(user_id=5, role="department", division_code=COUNTY, department_id=9)
LEADER = Actor(user_id=6, role="leader", division_code=COUNTY)


def facts(state, **extra) -> Facts:
    return Facts(state=state, division_code=VILLAGE, **extra)


def test_every_state_but_the_final_ones_has_a_way_out():
    for state in State.values:
        moves = {a for a in possible_from(facts(state)) if TRANSITIONS[a].target}
        if state in (State.REJECTED, State.DUPLICATE):
            assert moves == set(), state
        elif state != State.CLOSED:
            assert moves, state


def test_only_the_office_in_scope_accepts_rejects_or_marks_duplicates():
    reported = facts(State.REPORTED)
    assert allowed(OFFICE, reported) == ["accept", "reject", "mark_duplicate", "edit"]
    for actor in (OTHER_OFFICE, TOWNSHIP_CHIEF, VILLAGE_CHIEF, DEPT, LEADER, SYSTEM):
        assert allowed(actor, reported) == [], actor


def test_a_chief_above_may_assign_but_not_a_chief_of_the_same_division():
    accepted = facts(State.ACCEPTED)
    assert "assign" in allowed(TOWNSHIP_CHIEF, accepted)
    assert "assign" not in allowed(VILLAGE_CHIEF, accepted)


def test_the_assignee_department_starts_submits_and_asks_for_more_time():
    assigned = facts(State.ASSIGNED, assignee_department_id=9)
    assert allowed(DEPT, assigned) == ["start", "request_extension"]
    assert allowed(DEPT, facts(State.IN_PROGRESS, assignee_department_id=9)) == [
        "submit",
        "request_extension",
    ]
    assert allowed(DEPT, facts(State.ASSIGNED, assignee_department_id=8)) == []


def test_the_verifier_is_never_the_handler():
    pending = facts(State.PENDING_VERIFICATION, assignee_user_id=3, submitted_by_id=3)
    assert "close" not in allowed(TOWNSHIP_CHIEF, pending)
    assert "close" in allowed(OFFICE, pending)
    pending_dept = facts(State.PENDING_VERIFICATION, assignee_department_id=9, submitted_by_id=5)
    assert allowed(DEPT, pending_dept) == []
    assert {"close", "return"} <= set(allowed(TOWNSHIP_CHIEF, pending_dept))


def test_extension_moves_depend_on_a_pending_request():
    held = facts(State.IN_PROGRESS, assignee_department_id=9)
    assert "approve_extension" not in allowed(OFFICE, held)
    asked = facts(State.IN_PROGRESS, assignee_department_id=9, extension_pending=True)
    assert {"approve_extension", "refuse_extension"} <= set(allowed(OFFICE, asked))
    assert "request_extension" not in allowed(DEPT, asked)


def test_reopen_only_once_and_only_after_dissatisfaction():
    assert "reopen" not in allowed(OFFICE, facts(State.CLOSED))
    assert "reopen" in allowed(OFFICE, facts(State.CLOSED, dissatisfied=True))
    assert "reopen" not in allowed(OFFICE, facts(State.CLOSED, dissatisfied=True, reopen_count=1))


def test_only_the_platform_escalates_and_the_reporter_rates():
    held = facts(State.ASSIGNED)
    assert allowed(SYSTEM, held) == ["escalate", "remind"]
    closed = facts(State.CLOSED, reporter_id=4)
    assert allowed(VILLAGE_CHIEF, closed) == ["rate"]
    assert "rate" in allowed(SYSTEM, closed)
