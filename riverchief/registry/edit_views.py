"""Registry edit pages: create and edit forms that save through the services (a refusal shows
beside its field), the change of a reach's chief, and the documents of an archive."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from riverchief.core.errors import DomainError
from riverchief.registry import facility_kinds, forms, queries, services
from riverchief.registry import pageparts as parts
from riverchief.registry.views import reach_context, water_body_context

# --- edit forms -------------------------------------------------------------------------------


def _initial(request, *names: str) -> dict[str, str]:
    return {name: request.GET[name] for name in names if request.GET.get(name)}


def _save_form(request, form, save, context: dict, anchor: str = ""):
    """Validate, save through the service, and show its refusal beside the field."""
    if request.method == "POST" and form.is_valid():
        try:
            row = save(form.to_data())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Saved."))
            return redirect(context["success_url"](row) + anchor)
    context = {**context, "form": form, "map": parts.form_map()}
    return render(request, "registry/form.html", context)


def _bound(request):
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


@login_required
def water_body_edit(request, code=None):
    user = request.user
    row = None
    if code is None:
        parts.require_change(user)
    else:
        row = parts.one(queries.water_bodies_visible_to(user), code)
        parts.require_change(user, row.division.code)
    data, _files = _bound(request)
    form = forms.WaterBodyForm(data, user=user, row=row, initial=_initial(request, "parent_code"))
    context = {
        "title": _("Edit water body") if row else _("New water body"),
        "row": row,
        "cancel_url": reverse("registry:waterbody_detail", args=[row.code])
        if row
        else reverse("registry:waterbody_list"),
        "success_url": lambda saved: reverse("registry:waterbody_detail", args=[saved.code]),
        "geometry": True,
    }
    return _save_form(
        request,
        form,
        lambda values: services.save_water_body(user, values, must_create=row is None),
        context,
    )


@login_required
def reach_edit(request, code=None):
    user = request.user
    row = None
    if code is None:
        parts.require_change(user)
    else:
        row = parts.one(queries.reaches_visible_to(user), code)
        parts.require_change(user, row.division.code)
    data, _files = _bound(request)
    initial = _initial(request, "water_body_code", "division_code")
    form = forms.ReachForm(data, user=user, row=row, initial=initial)
    context = {
        "title": _("Edit reach") if row else _("New reach"),
        "row": row,
        "cancel_url": reverse("registry:reach_detail", args=[row.code])
        if row
        else reverse("registry:reach_list"),
        "success_url": lambda saved: reverse("registry:reach_detail", args=[saved.code]),
        "geometry": True,
    }
    return _save_form(
        request,
        form,
        lambda values: services.save_reach(user, values, must_create=row is None),
        context,
    )


@login_required
def facility_edit(request, code=None):
    user = request.user
    row = None
    if code is not None:
        row = parts.one(queries.facilities_visible_to(user), code)
        parts.require_change(user, row.division.code)
        kind = row.kind
    else:
        parts.require_change(user)
        kind = request.GET.get("kind", "")
        if kind not in facility_kinds.KINDS:
            return render(
                request, "registry/facility_kind_choice.html", {"tabs": parts.kind_tabs({})}
            )
    data, _files = _bound(request)
    initial = _initial(request, "reach_code", "water_body_code", "division_code")
    form = forms.FacilityForm(data, user=user, kind=kind, row=row, initial=initial)
    label = parts.kind_label(kind)
    context = {
        "title": _("Edit %(kind)s") % {"kind": label}
        if row
        else _("New %(kind)s") % {"kind": label},
        "row": row,
        "cancel_url": reverse("registry:facility_detail", args=[row.code])
        if row
        else reverse("registry:facility_list") + f"?kind={kind}",
        "success_url": lambda saved: reverse("registry:facility_detail", args=[saved.code]),
        "facility": True,
        "kind_label": label,
    }
    return _save_form(
        request,
        form,
        lambda values: services.save_facility(user, values, must_create=row is None),
        context,
    )


@login_required
def reach_assign(request, code):
    """Chief change: a person takes a role on the reach; the previous 河长 moves to history."""
    user = request.user
    reach = parts.one(queries.reaches_visible_to(user), code)
    parts.require_change(user, reach.division.code)
    data, _files = _bound(request)
    form = forms.AssignmentForm(data, user=user, reach=reach)
    context = {
        "title": _("Change of chief: %(reach)s") % {"reach": reach.name},
        "row": reach,
        "cancel_url": reverse("registry:reach_detail", args=[reach.code]),
        "success_url": lambda saved: reverse("registry:reach_detail", args=[reach.code]),
        "help": _(
            "A new river or lake chief at a level ends the current one's term the day before "
            "the new one starts; the old term stays in the history."
        ),
    }
    return _save_form(
        request, form, lambda values: services.assign_person(user, values), context, "#chiefs"
    )


@login_required
@require_POST
def assignment_end(request, pk: int):
    user = request.user
    row = queries.assignments_visible_to(user).filter(pk=pk).first()
    if row is None:
        raise Http404
    parts.require_change(user, row.division.code)
    if row.reach_id:
        target = reverse("registry:reach_detail", args=[row.reach.code])
    else:
        target = reverse("registry:waterbody_detail", args=[row.water_body.code])
    form = forms.EndAssignmentForm(request.POST)
    if form.is_valid():
        try:
            services.end_assignment(user, row.pk, form.cleaned_data.get("end_date"))
        except DomainError as error:
            messages.error(request, parts.message_of(error))
        else:
            messages.success(
                request, _("The term of %(name)s has ended.") % {"name": row.person_name}
            )
    else:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return redirect(target + "#chiefs")


# --- documents --------------------------------------------------------------------------------


def _upload(request, target, detail_url: str, rerender):
    user = request.user
    parts.require_change(user, target.division.code)
    form = forms.DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_document(
                user,
                target=target,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The document was added."))
            return redirect(detail_url + "#documents")
    return rerender(form)


@login_required
@require_POST
def reach_document_upload(request, code):
    row = parts.one(queries.reaches_visible_to(request.user), code)
    return _upload(
        request,
        row,
        reverse("registry:reach_detail", args=[row.code]),
        lambda form: render(
            request, "registry/reach_detail.html", reach_context(request, row, form)
        ),
    )


@login_required
@require_POST
def water_body_document_upload(request, code):
    row = parts.one(queries.water_bodies_visible_to(request.user), code)
    return _upload(
        request,
        row,
        reverse("registry:waterbody_detail", args=[row.code]),
        lambda form: render(
            request, "registry/waterbody_detail.html", water_body_context(request, row, form)
        ),
    )


@login_required
def document_download(request, pk: int):
    """The file, streamed only to those who can see its reach or water body (no media URL)."""
    document = parts.documents_visible_to(request.user).filter(pk=pk).first()
    if document is None:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    suffix = Path(document.file.name).suffix
    name = (
        document.title
        if document.title.lower().endswith(suffix.lower())
        else document.title + suffix
    )
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response
