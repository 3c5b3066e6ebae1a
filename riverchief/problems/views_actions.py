"""Taking an action on a problem from its page (one view for every action, each through
`services.move` with the version the page showed), and the office's batch assign (交办)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from riverchief.core.errors import DomainError, Forbidden
from riverchief.problems import pages, queries, services
from riverchief.problems import views_detail as detail_view
from riverchief.problems.forms import PAGE_ACTIONS, ActionForm, BatchAssignForm
from riverchief.problems.states import State, label
from riverchief.problems.transitions import ProblemConflict

MAX_BATCH = 200


def _message(error: DomainError) -> str:
    text = str(error.message)
    return text % error.params if error.params else text


def _version(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


@login_required
@require_POST
def act(request, ref: str):
    """Take one action; errors come back beside the inputs (or as the 409 conflict message)."""
    user = request.user
    problem = detail_view.visible(user, ref)
    action = request.POST.get("action", "")
    if action not in PAGE_ACTIONS:
        return HttpResponse(_("Unknown action."), status=400, content_type="text/plain")
    form = ActionForm(action, problem, user, request.POST, request.FILES)
    version = _version(request.POST.get("expected_version"))
    status, conflict, refusal = 400, None, None
    if form.is_valid():
        try:
            services.move(
                user,
                problem.pk,
                action,
                version,
                files=form.uploads(),
                **form.move_fields(),
            )
        except ProblemConflict as error:
            status, conflict = 409, _message(error)
        except Forbidden as error:
            status = 403
            if error.field and error.field in form.fields:
                form.add_domain_error(error)
            else:
                refusal = _message(error)
        except DomainError as error:
            status = 413 if error.status == 413 else 400
            form.add_domain_error(error)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": label(action)})
            url = reverse("problems:detail", kwargs={"ref": problem.number or problem.pk})
            if request.htmx:
                response = HttpResponse(status=200)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    # The form keeps the version it was sent with: after a conflict, sending it again must not
    # act on a problem its sender has not seen.
    version = version or problem.version
    if request.htmx:
        item = detail_view.entry(
            action, form, problem, version=version, conflict=conflict, refusal=refusal
        )
        context = {"item": item, "problem": problem}
        return render(request, "problems/_action.html", context, status=status)
    fresh = detail_view.visible(user, problem.pk)
    context = detail_view.context(
        user, fresh, failed=form, version=version, conflict=conflict, refusal=refusal
    )
    return render(request, "problems/detail.html", context, status=status)


@login_required
def batch_assign(request):
    """Assign several accepted problems to one department with one deadline, each by `move`."""
    user = request.user
    if not pages.is_office(user):
        raise PermissionDenied
    results = []
    if request.method == "POST":
        form = BatchAssignForm(request.POST, user=user)
        chosen = request.POST.getlist("ids")
        if not chosen:
            form.add_error(None, _("Select at least one problem."))
        if form.is_valid():
            fields = form.values()
            for ref in chosen[:MAX_BATCH]:
                results.append(_assign_one(user, ref, fields))
            done = sum(1 for row in results if row["ok"])
            messages.info(
                request,
                _("%(done)d of %(total)d problems assigned.")
                % {"done": done, "total": len(results)},
            )
        selected = set(chosen)
    else:
        form = BatchAssignForm(user=user)
        selected = set(request.GET.getlist("ids"))
    rows = queries.problems_visible_to(user).filter(state=State.ACCEPTED)
    rows = rows.order_by("created_at", "id")[:MAX_BATCH]
    context = {
        "form": form,
        "rows": rows,
        "selected": selected,
        "results": results,
        "max_batch": MAX_BATCH,
    }
    return render(request, "problems/batch_assign.html", context)


def _assign_one(user, ref: str, fields: dict) -> dict:
    try:
        moved = services.move(user, ref, "assign", **fields)
    except DomainError as error:
        found = (
            queries.problems_visible_to(user).filter(pk=int(ref)).first() if ref.isdigit() else None
        )
        return {"ref": found.number if found else ref, "ok": False, "message": _message(error)}
    department = moved.assignee_department.name if moved.assignee_department_id else ""
    return {"ref": moved.number, "ok": True, "message": department}
