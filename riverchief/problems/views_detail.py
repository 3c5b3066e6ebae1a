"""The problem page: facts, map, photos before and after, the timeline, and only the actions
this user may take now (each a small form posting to views_actions.act)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from riverchief.problems import pages, pages_detail, queries, states
from riverchief.problems.forms import PAGE_ACTIONS, ActionForm
from riverchief.problems.models import Problem


def visible(user, ref: str) -> Problem:
    """The problem by id or number with its timeline and files, if the user may see it."""
    problem = queries.detail(user, ref)
    if problem is None:
        raise Http404
    return problem


def action_forms(
    user, problem: Problem, failed: ActionForm | None = None, version: int | None = None
) -> list[dict]:
    """One entry per action the user may take now; the failed one bound, with its errors and
    the version it was sent with."""
    forms = []
    for action in states.allowed_actions(user, problem):
        if action not in PAGE_ACTIONS:
            continue
        if failed is not None and failed.action == action:
            forms.append(entry(action, failed, problem, version=version or problem.version))
        else:
            forms.append(entry(action, ActionForm(action, problem, user), problem))
    return forms


def entry(action: str, form: ActionForm, problem: Problem, **extra) -> dict:
    return {
        "action": action,
        "label": states.label(action),
        "form": form,
        "version": problem.version,
        "open": form.is_bound,
        **extra,
    }


def context(
    user,
    problem: Problem,
    failed: ActionForm | None = None,
    version: int | None = None,
    **extra,
) -> dict:
    shown = pages_detail.photos(problem)
    allowed = states.allowed_actions(user, problem)
    return {
        "problem": problem,
        "badge": pages.deadline_badge(problem),
        "state_colour": pages.STATE_COLOURS.get(problem.state, "secondary"),
        "map": pages_detail.problem_map(problem),
        "before": shown["before"],
        "after": shown["after"],
        "files": shown["files"],
        "timeline": pages_detail.timeline(problem),
        "actions": action_forms(user, problem, failed, version),
        "reaches": pages.reach_options(user) if "edit" in allowed else [],
        "far_m": int(pages_detail.EXIF_FAR_M),
        **extra,
    }


@login_required
@require_GET
def detail(request, ref: str):
    problem = visible(request.user, ref)
    return render(request, "problems/detail.html", context(request.user, problem))
