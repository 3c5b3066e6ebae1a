"""After a problem's event commits: public copies of its photos once the office accepts it
(before-photos) and once it is closed (after-photos); the public answer deadline again when the
office marks the case major (重大: 20 working days) or ordinary again; the report's route again
when the office changes its category or reach before accepting it; and, once it is accepted, the
routed department takes it (`portal.dispatch`)."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def on_problem_event(*args) -> None:
    """Takes (problem_id, event_id) or a list of such pairs (batch hooks)."""
    from riverchief.portal import dispatch
    from riverchief.portal.models import PublicReport
    from riverchief.portal.services import answer_deadline_changed, make_public_copies
    from riverchief.problems.models import ProblemEvent

    pairs = [tuple(args)] if len(args) == 2 else list(args[0])
    # Most events (a report, an escalation, a reminder) concern nothing here: one query says so.
    events = list(
        ProblemEvent.objects.filter(
            pk__in=[event for _pid, event in pairs], action__in=("edit", "accept", "close")
        ).values_list("problem_id", "action", "data")
    )
    if not events:
        return
    public = set(
        PublicReport.objects.filter(problem_id__in={pid for pid, _a, _d in events}).values_list(
            "problem_id", flat=True
        )
    )
    events = [(pid, action, data or {}) for pid, action, data in events if pid in public]
    for problem_id, _action, data in (row for row in events if row[1] == "edit"):
        if "severity" in data or "category" in data:
            answer_deadline_changed(problem_id)
        if "category" in data or "reach" in data:
            dispatch.reroute(problem_id)
    published = [(pid, action) for pid, action, _data in events if action != "edit"]
    for problem_id in {pid for pid, _action in published}:
        make_public_copies(problem_id)
    for problem_id in sorted({pid for pid, action in published if action == "accept"}):
        dispatch.assign_routed(problem_id)
