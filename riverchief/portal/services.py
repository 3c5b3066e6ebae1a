"""Public reports: submit (a problem with source 公众 or 民间河长), rate after closure, a
volunteer's confirmation of the fix, and the public copies of photos.

Every write is one transaction with its audit entry; bad input raises a DomainError naming the
field before anything is stored (files written before a failure are removed again).
"""

from __future__ import annotations

import contextlib
import math
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit
from riverchief.core.errors import DomainError, Forbidden, NotFound
from riverchief.geo import shapes
from riverchief.portal import categories, coords, dispatch, ratelimit
from riverchief.portal import photos as photo_checks
from riverchief.portal.models import Channel, PublicPhoto, PublicReport, Rating
from riverchief.portal.text import plain
from riverchief.problems import deadlines
from riverchief.problems import services as problem_services
from riverchief.problems.models import Problem, Source
from riverchief.problems.states import State

# No 0/O, 1/I/L: read aloud over the phone or copied from a receipt without mistakes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # 31^10 ≈ 8e14: not guessable at any rate the rate limits allow
MAX_DESCRIPTION = 2000
DEFAULT_ANSWER_DAYS = {"ordinary": 10, "major": 20}
VOLUNTEER_ROLE = "volunteer"


def new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _unused in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return "".join(str(code or "").split()).upper()[: CODE_LENGTH + 6]


def answer_days(major: bool) -> int:
    days = {**DEFAULT_ANSWER_DAYS, **getattr(settings, "RIVERCHIEF_PORTAL_ANSWER_DAYS", {})}
    return int(days["major" if major else "ordinary"])


def portal_division_code() -> str:
    """The county public reports go to when no reach places them (setting, else the first)."""
    from riverchief.core import divcodes
    from riverchief.registry.models import Division

    code = getattr(settings, "RIVERCHIEF_PORTAL_DIVISION", "")
    if code:
        return str(code)
    county = (
        Division.objects.filter(level=divcodes.Level.COUNTY).order_by("code").only("code").first()
    )
    if county is None:
        raise DomainError(_("The public site has no county to report to yet."), code="no_county")
    return county.code


def submit_report(
    *,
    category_code: str,
    description: str,
    lon,
    lat,
    coordinate_system: str = "wgs84",
    accuracy_m=None,
    photos=(),
    name: str = "",
    phone: str = "",
    email: str = "",
    device_id: str = "",
    ip: str = "",
    channel: str = "web",
    reporter=None,
    address: str = "",
    consent: bool = True,
    honeypot: str = "",
    idempotency_key: str | None = None,
) -> PublicReport:
    """Record a report from the public, with its route (`portal.dispatch`); see
    /tmp/portal-api.md (the Open311 service uses it)."""
    if str(honeypot or "").strip():
        # Only robots fill the hidden field; a person never sees it.
        raise DomainError(_("The report could not be accepted."), code="spam")
    category = categories.find(category_code)
    if category is None:
        raise NotFound(_("Unknown category."), field="category")
    uploads = [upload for upload in (photos or []) if upload is not None]
    text = plain(description, MAX_DESCRIPTION)
    if len(text) > MAX_DESCRIPTION:
        raise DomainError(
            _("At most %(n)d characters."),
            field="description",
            params={"n": MAX_DESCRIPTION},
            code="too_long",
        )
    if not text and not uploads:
        raise DomainError(
            _("Describe the problem or add a photo."), field="description", code="required"
        )
    wgs_lon, wgs_lat, sent_lon, sent_lat, system = _location(lon, lat, coordinate_system)
    accuracy = _accuracy(accuracy_m)
    contact = _contact(name, phone, email)
    if channel not in Channel.values:
        raise DomainError(
            _("Must be one of: %(values)s."),
            field="channel",
            params={"values": ", ".join(Channel.values)},
        )
    volunteer = volunteer_of(reporter)
    if not consent:
        raise DomainError(
            _("Please agree that the report may be handled and published without your name."),
            field="consent",
            code="required",
        )
    checked = photo_checks.check_all(uploads)  # 400 / 413 before anything is written
    address = plain(address, 200)[:200]
    ip_hash, device_hash = ratelimit.digest("ip", ip), ratelimit.digest("device", device_id)
    stored: list[str] = []
    try:
        # Read and check everything first: the writing transaction below stays short.
        draft = problem_services.prepare_report(
            None,
            {
                "category": category.internal,
                "description": text or f"（{category.name_zh}，见照片）",
                "lon": wgs_lon,
                "lat": wgs_lat,
                "address": address,
                "division_code": _county_for(wgs_lon, wgs_lat),
                "source": Source.VOLUNTEER if volunteer else Source.PUBLIC,
                "reporter_name": contact["name"] or (str(volunteer)[:60] if volunteer else ""),
                "reporter_phone": contact["phone"]
                or (getattr(volunteer, "phone", "") if volunteer else ""),
            },
            checked,
            idempotency_key=idempotency_key,
        )
        with transaction.atomic():
            if volunteer is None:
                ratelimit.check(ip_hash, device_hash)
            if draft.existing is not None:
                problem, created = draft.existing, False
            else:
                problem, created = problem_services.record_report(draft, stored)
            if not created:
                existing = PublicReport.objects.filter(problem=problem).first()
                if existing is not None:
                    return existing
            route = dispatch.route_of(problem)
            report = _create_report(
                problem,
                category,
                route,
                channel=Channel.VOLUNTEER if volunteer and channel == "web" else channel,
                contact=contact,
                volunteer=volunteer,
                hashes=(ip_hash, device_hash),
                sent=(sent_lon, sent_lat, system),
                accuracy=accuracy,
                consent=consent,
            )
            audit.record(
                volunteer,
                "create",
                report,
                after={
                    "tracking_code": report.tracking_code,
                    "problem": problem.number,
                    "channel": report.channel,
                    "answer_due": report.answer_due.isoformat(),
                    "route": route.target,
                    "routed_department": (
                        report.routed_department.code if report.routed_department else None
                    ),
                },
                division_code=problem.division.code,
            )
    except DomainError as error:
        if error.field == "files":  # the problems app's full check of a photo: our field name
            error.field = "photos"
        _remove(stored)
        raise
    except BaseException:
        _remove(stored)
        raise
    return report


def _remove(names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)


def _create_report(
    problem, category, route, *, channel, contact, volunteer, hashes, sent, accuracy, consent
) -> PublicReport:
    due = deadlines.deadline_in(answer_days(category.major), problem.created_at)
    for _attempt in range(5):
        report = PublicReport(
            tracking_code=new_tracking_code(),
            problem=problem,
            public_category=category.code,
            channel=channel,
            name=contact["name"],
            phone=contact["phone"],
            email=contact["email"],
            reporter=volunteer,
            ip_hash=hashes[0],
            device_hash=hashes[1],
            submitted_lon=sent[0],
            submitted_lat=sent[1],
            coordinate_system=sent[2],
            accuracy_m=accuracy,
            consent=consent,
            answer_due=due,
            reach_in_range=route.reach_in_range,
            routed_department_id=route.department_id,
            created_at=problem.created_at,
        )
        department = problem.category.default_department  # read with the category
        if department is not None and department.pk == route.department_id:
            report.routed_department = department  # the audit entry names it: no query
        try:
            with transaction.atomic():
                report.save()
            return report
        except IntegrityError:
            if PublicReport.objects.filter(problem=problem).exists():
                raise
    raise RuntimeError("could not draw a free tracking code")  # pragma: no cover


def _location(lon, lat, system):
    if lon in (None, "") or lat in (None, ""):
        raise DomainError(
            _("Choose the location: allow the phone's GPS or tap the map."),
            field="location",
            code="required",
        )
    system = str(system or coords.WGS84).strip().lower().replace("-", "")
    if system not in coords.SYSTEMS:
        raise DomainError(
            _("Must be one of: %(values)s."),
            field="coordinate_system",
            params={"values": ", ".join(coords.SYSTEMS)},
        )
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        x = y = math.nan
    if not (math.isfinite(x) and math.isfinite(y)):
        raise _bad_point(
            shapes.GeometryError("经纬度应为数字", "longitude and latitude must be numbers")
        )
    # Only points in China are shifted; one outside is refused below as it was sent.
    wgs = coords.to_wgs84(x, y, system) if shapes.in_china(x, y) else (x, y)
    try:
        wgs_lon, wgs_lat = shapes.check_point(*wgs)
    except shapes.GeometryError as error:
        raise _bad_point(error) from error
    return wgs_lon, wgs_lat, x, y, system


def _bad_point(error: shapes.GeometryError) -> DomainError:
    from riverchief.core.errors import Bilingual

    return DomainError(Bilingual(error.zh, error.en), field="location", code="invalid_location")


def _accuracy(value) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise DomainError(_("This must be a number of metres."), field="accuracy", code="invalid")
    return round(min(number, 100000.0), 1)


def _contact(name, phone, email) -> dict[str, str]:
    name = plain(name, 60)
    if len(name) > 60:
        raise DomainError(_("At most %(n)d characters."), field="name", params={"n": 60})
    phone = "".join(str(phone or "").split())
    if phone and (len(phone) > 20 or not all(c.isdigit() or c in "+-()" for c in phone)):
        raise DomainError(_("Enter a phone number (digits only)."), field="phone", code="invalid")
    email = str(email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(_("Enter a valid email address."), field="email") from None
        if len(email) > 120:
            raise DomainError(_("At most %(n)d characters."), field="email", params={"n": 120})
    return {"name": name[:60], "phone": phone, "email": email}


def volunteer_of(reporter):
    if reporter is None or not getattr(reporter, "is_authenticated", False):
        return None
    return reporter if getattr(reporter, "role", "") == VOLUNTEER_ROLE else None


def _county_for(lon: float, lat: float) -> str:
    """The county of the nearest reach (a province installation has many), else the portal's."""
    from riverchief.core import divcodes
    from riverchief.problems.locate import max_reach_distance_m
    from riverchief.registry import routing
    from riverchief.registry.models import Reach

    found = routing.nearest_reach_id(lon, lat, max_reach_distance_m())
    if found is not None:
        code = Reach.objects.filter(pk=found[0]).values_list("division__code", flat=True).first()
        if code is not None:
            return divcodes.county_code(code)
    return portal_division_code()


def _copy_photos(report: PublicReport, problem: Problem, stage: str, stored: list[str]) -> int:
    """Public copies of the problem's images at `stage` that have none yet."""
    made = 0
    rows = problem.attachments.filter(stage=stage, kind="image", public_copy__isnull=True)
    for attachment in rows.order_by("uploaded_at", "id"):
        try:
            with attachment.file.open("rb") as source:
                content, width, height = photo_checks.public_copy(source)
        except (OSError, ValueError):
            continue  # a missing or unreadable original: no public copy, nothing else lost
        photo = PublicPhoto(
            report=report,
            attachment=attachment,
            stage=stage,
            token=secrets.token_urlsafe(18),
            width=width,
            height=height,
        )
        photo.file.save(content.name, content, save=False)
        stored.append(photo.file.name)
        photo.save()
        made += 1
    return made


def make_public_copies(problem_id: int) -> int:
    """Public copies of a published report's photos that have none yet (idempotent). Run after
    the office accepts (before-photos) and after the closure (after-photos), not at submission:
    re-encoding is the costly part of a report, and most of a report's life it is not needed."""
    report = (
        PublicReport.objects.filter(problem_id=problem_id, problem__accepted_at__isnull=False)
        .select_related("problem")
        .first()
    )
    if report is None:
        return 0
    stored: list[str] = []
    try:
        with transaction.atomic():
            # After-photos show once the office has verified them (the closure).
            stages = ["before"] + (["after"] if report.problem.state == State.CLOSED else [])
            return sum(_copy_photos(report, report.problem, stage, stored) for stage in stages)
    except BaseException:
        for name in stored:
            with contextlib.suppress(OSError):
                default_storage.delete(name)
        raise


def answer_deadline_changed(problem_id: int) -> None:
    """A major case (the problem's severity 重大, or a public category of major cases) is
    answered within the longer deadline, counted from the report."""
    with transaction.atomic():
        report = (
            PublicReport.objects.select_for_update()
            .select_related("problem")
            .filter(problem_id=problem_id)
            .first()
        )
        if report is None:
            return
        category = categories.find(report.public_category)
        major = report.problem.severity == "major" or bool(category and category.major)
        due = deadlines.deadline_in(answer_days(major), report.created_at)
        if due != report.answer_due:
            before = report.answer_due.isoformat()
            report.answer_due = due
            report.save(update_fields=["answer_due"])
            audit.record(
                None,
                "update",
                report,
                before={"answer_due": before},
                after={"answer_due": due.isoformat()},
                division_code=report.problem.division.code,
            )


# --- after closure --------------------------------------------------------------------------


def find_report(tracking_code: str) -> PublicReport:
    report = (
        PublicReport.objects.select_related("problem", "problem__category", "problem__division")
        .filter(tracking_code=normalise_code(tracking_code))
        .first()
    )
    if report is None:
        raise NotFound(_("No report has this tracking code."), field="tracking_code")
    return report


def rate(tracking_code: str, value: str, comment: str = "") -> Rating:
    """The reporter rates a closed problem; 不满意 reopens it once (the problems workflow)."""
    if value not in Rating.Value.values:
        raise DomainError(_("Choose 满意, 基本满意 or 不满意."), field="rating", code="required")
    comment = plain(comment, 1000)[:1000]
    with transaction.atomic():
        report = find_report(tracking_code)
        problem = Problem.objects.select_for_update().get(pk=report.problem_id)
        if problem.state != State.CLOSED:
            raise DomainError(
                _("A report can be rated once it is closed."), field="rating", code="not_closed"
            )
        if Rating.objects.filter(report=report, round=problem.reopen_count).exists():
            raise DomainError(
                _("This report has already been rated."), field="rating", code="already_rated"
            )
        rating = Rating.objects.create(
            report=report, round=problem.reopen_count, value=value, comment=comment
        )
        satisfied = value != Rating.Value.DISSATISFIED
        label = str(Rating.Value(value).label)
        note = f"{label}：{comment}" if comment else label
        moved = problem_services.move(None, problem.pk, "rate", satisfied=satisfied, note=note)
        if not satisfied and moved.reopen_count < 1:
            problem_services.move(
                None,
                problem.pk,
                "reopen",
                reason=f"公众评价不满意，重新办理 / the reporter was not satisfied: {comment}"[
                    :2000
                ],
                deadline_days=answer_days(False),
            )
        audit.record(
            None,
            "rate",
            report,
            after={"value": value, "round": rating.round},
            division_code=moved.division.code,
        )
    return rating


def confirm_fix(user, tracking_code: str, note: str = "") -> PublicReport:
    """A volunteer chief confirms, after closure, that what they reported is fixed."""
    if volunteer_of(user) is None:
        raise Forbidden(_("Your role may not do this."))
    with transaction.atomic():
        report = find_report(tracking_code)
        if report.reporter_id != user.pk:
            raise NotFound(_("No report has this tracking code."), field="tracking_code")
        if report.problem.state != State.CLOSED:
            raise DomainError(
                _("A report can be rated once it is closed."), field="rating", code="not_closed"
            )
        report.fix_confirmed_at = timezone.now()
        report.save(update_fields=["fix_confirmed_at"])
        audit.record(
            user,
            "confirm_fix",
            report,
            message=plain(note, 500)[:500],
            division_code=report.problem.division.code,
        )
        rate(tracking_code, Rating.Value.SATISFIED, note)
    return report
