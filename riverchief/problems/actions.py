"""What each action changes, once `transitions.move` has checked state and actor.

One function per action, each returning (field changes, timeline note, event data) and raising
a DomainError naming the field for bad input. No writes here: `move` applies the changes with its
version check.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from riverchief.core.errors import DomainError, Forbidden, NotFound
from riverchief.core.scoping import scope_of
from riverchief.problems import deadlines, inputs, states, timeline
from riverchief.problems.models import Severity, Source

MAX_EVIDENCE = 5000


def _note(fields) -> str:
    return inputs.text(fields, "note", max_length=2000)


def _accept(actor, p, fields, files, now):
    return {"accepted_at": now}, _note(fields), {}


def _reject(actor, p, fields, files, now):
    why = inputs.reason(fields)
    return {}, why, {"reason": why}


def _mark_duplicate(actor, p, fields, files, now):
    original = inputs.problem_ref(actor, fields.get("duplicate_of"), "duplicate_of")
    while original.duplicate_of_id is not None:  # point at the first report, never at a copy
        original = original.duplicate_of
    if original.pk == p.pk:
        raise DomainError(
            _("A problem cannot duplicate itself."), field="duplicate_of", code="invalid"
        )
    return {"duplicate_of": original}, _note(fields), {"duplicate_of": original.number}


def _assignment(actor, p, fields, *, required_deadline: bool, now):
    department, user = inputs.assignee(
        actor, p, fields, default_department=p.category.default_department
    )
    default = p.category.default_deadline_days if required_deadline else None
    deadline, days = inputs.when(fields, "deadline", "deadline_days", default)
    changes: dict[str, Any] = {
        "assignee_department": department,
        "assignee_user": user,
        "assigned_at": now,
        "extension_requested_until": None,
        "extension_reason": "",
    }
    if deadline is not None:
        changes.update(deadline=deadline, deadline_days=days)
    data = {
        "department": department.code if department else None,
        "assignee": user.username if user else None,
        "deadline": (deadline or p.deadline).isoformat() if (deadline or p.deadline) else None,
        "deadline_days": days,
        "calendar": deadlines.calendar_source(deadline),
    }
    return changes, data


def _assign(actor, p, fields, files, now):
    changes, data = _assignment(actor, p, fields, required_deadline=True, now=now)
    changes["escalation_level"] = 0
    return changes, _note(fields), data


def _transfer(actor, p, fields, files, now):
    changes, data = _assignment(actor, p, fields, required_deadline=False, now=now)
    same = (changes["assignee_department"], changes["assignee_user"]) == (
        p.assignee_department,
        p.assignee_user,
    )
    if same:
        raise DomainError(
            _("The problem is already assigned there."), field="department_code", code="invalid"
        )
    data["from_department"] = p.assignee_department.code if p.assignee_department_id else None
    data["from_assignee"] = p.assignee_user.username if p.assignee_user_id else None
    return changes, _note(fields), data


def _start(actor, p, fields, files, now):
    return {}, _note(fields), {}


def _submit(actor, p, fields, files, now):
    description = inputs.text(fields, "note", max_length=MAX_EVIDENCE) or inputs.text(
        fields, "description", required=True, max_length=MAX_EVIDENCE
    )
    if not any(item.kind == "image" for item in files):
        raise DomainError(
            _("Add at least one photo of the site after rectification."),
            field="files",
            code="evidence_required",
        )
    changes = {
        "submitted_by": timeline.authenticated(actor),
        "submitted_at": now,
        "extension_requested_until": None,
        "extension_reason": "",
    }
    return changes, description, {}


def _close(actor, p, fields, files, now):
    return {"closed_at": now}, _note(fields), {}


def _return(actor, p, fields, files, now):
    why = inputs.reason(fields)
    return {"return_count": p.return_count + 1}, why, {"reason": why}


def _request_extension(actor, p, fields, files, now):
    why = inputs.reason(fields)
    until, _days = inputs.when(fields, "until", "until_days", None)
    if until is None:
        until, _days = inputs.when(fields, "deadline", "deadline_days", None)
    if until is None:
        raise DomainError(_("This field is required."), field="until", code="required")
    if p.deadline is not None and until <= p.deadline:
        raise DomainError(
            _("The new deadline must be later than the current one."),
            field="until",
            code="invalid",
        )
    changes = {"extension_requested_until": until, "extension_reason": why}
    return changes, why, {"until": until.isoformat(), "reason": why}


def _approve_extension(actor, p, fields, files, now):
    until = p.extension_requested_until
    changes = {
        "deadline": until,
        "deadline_days": None,
        "extension_requested_until": None,
        "extension_reason": "",
    }
    data = {"from": p.deadline.isoformat() if p.deadline else None, "until": until.isoformat()}
    return changes, _note(fields), data


def _refuse_extension(actor, p, fields, files, now):
    why = inputs.reason(fields)
    changes = {"extension_requested_until": None, "extension_reason": ""}
    return changes, why, {"reason": why}


def _reopen(actor, p, fields, files, now):
    why = inputs.reason(fields)
    deadline, days = inputs.when(
        fields, "deadline", "deadline_days", p.category.default_deadline_days
    )
    changes = {
        "reopen_count": p.reopen_count + 1,
        "deadline": deadline,
        "deadline_days": days,
        "assigned_at": now,
        "closed_at": None,
        "submitted_by": None,
        "submitted_at": None,
        "escalation_level": 0,
    }
    data = {
        "reason": why,
        "deadline": deadline.isoformat(),
        "deadline_days": days,
        "calendar": deadlines.calendar_source(deadline),
    }
    return changes, why, data


def _rate(actor, p, fields, files, now):
    satisfied = inputs.boolean(fields, "satisfied")
    return {"dissatisfied": not satisfied}, _note(fields), {"satisfied": satisfied}


def _escalate(actor, p, fields, files, now):
    level = inputs.integer(fields, "level", 1, 3)
    if level is None:
        raise DomainError(_("This field is required."), field="level", code="required")
    if level <= p.escalation_level:
        raise DomainError(
            _("The problem is already at this escalation level."), field="level", code="invalid"
        )
    return {"escalation_level": level}, _note(fields), {"from": p.escalation_level, "to": level}


def _remind(actor, p, fields, files, now):
    deadline = p.deadline.isoformat() if p.deadline else None
    return {}, _note(fields), {"deadline": deadline}


def _edit(actor, p, fields, files, now):
    from riverchief.problems.locate import reach_by_code
    from riverchief.problems.models import Category

    changes: dict[str, Any] = {}
    if fields.get("category") is not None:
        category = Category.objects.filter(code=fields["category"], active=True).first()
        if category is None:
            raise NotFound(_("Unknown problem category."), field="category")
        changes["category"] = category
    for name, choices in (("severity", Severity), ("source", Source)):
        if fields.get(name) is not None:
            if fields[name] not in choices.values:
                raise DomainError(
                    _("Must be one of: %(values)s."),
                    field=name,
                    params={"values": ", ".join(choices.values)},
                )
            changes[name] = fields[name]
    if fields.get("description") is not None:
        changes["description"] = inputs.text(fields, "description", required=True)
    if fields.get("address") is not None:
        changes["address"] = inputs.text(fields, "address", max_length=200)
    if fields.get("reach_code") is not None:
        code = inputs.text(fields, "reach_code", max_length=40)
        reach = reach_by_code(code, actor) if code else None
        changes.update(reach=reach, reach_distance_m=None)
        if reach is not None and reach.division_id != p.division_id:
            # Moving the problem to the reach's division: only into the editor's own scope.
            if actor is not None and not scope_of(actor).covers_division(reach.division.code):
                raise Forbidden(_("That reach lies outside your scope."), field="reach_code")
            changes.update(division=reach.division, out_of_area=False)
    if not changes:
        raise DomainError(_("Nothing to change."), code="invalid")
    data = {name: _plain(value) for name, value in changes.items()}
    return changes, _note(fields), data


def _plain(value):
    if hasattr(value, "code"):
        return value.code
    return value


APPLY = {
    "accept": _accept,
    "reject": _reject,
    "mark_duplicate": _mark_duplicate,
    "assign": _assign,
    "start": _start,
    "submit": _submit,
    "close": _close,
    "return": _return,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "refuse_extension": _refuse_extension,
    "transfer": _transfer,
    "reopen": _reopen,
    "rate": _rate,
    "escalate": _escalate,
    "remind": _remind,
    "edit": _edit,
}
assert set(APPLY) == set(states.TRANSITIONS), "every action in the table needs its function"
