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
    problem_ids = {pid for pid, _event in pairs}
    public = set(
        PublicReport.objects.filter(problem_id__in=problem_ids).values_list("problem_id", flat=True)
    )
    if not public:
        return
    events = ProblemEvent.objects.filter(
        pk__in=[event for pid, event in pairs if pid in public], action="edit"
    ).values_list("problem_id", "data")
    for problem_id, data in events:
        if "severity" in (data or {}) or "category" in (data or {}):
            answer_deadline_changed(problem_id)
        if "category" in (data or {}) or "reach" in (data or {}):
            dispatch.reroute(problem_id)
    published = ProblemEvent.objects.filter(
        pk__in=[event for pid, event in pairs if pid in public], action__in=("accept", "close")
    ).values_list("problem_id", "action")
    for problem_id in {pid for pid, _action in published}:
        make_public_copies(problem_id)
    for problem_id in sorted({pid for pid, action in published if action == "accept"}):
        dispatch.assign_routed(problem_id)
