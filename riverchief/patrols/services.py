"""Recording a patrol: check who and where, measure the track, judge it, store it with its
records, photos and problems, in one transaction, once per client id."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from riverchief.accounts.models import User
from riverchief.core import audit
from riverchief.core.errors import Bilingual, DomainError, Forbidden, NotFound
from riverchief.core.workdays import local_date
from riverchief.patrols import access, checks, photos, trackfiles
from riverchief.patrols import track as tracks
from riverchief.patrols.models import (
    Approval,
    Kind,
    Patrol,
    PatrolPhoto,
    PatrolProblem,
    PatrolRecord,
)
from riverchief.registry.models import Reach

MAX_HOURS = 24
MAX_RECORDS = 200
MAX_PROBLEMS = 50
MAX_NOTE = 5000
SEVERITY_ALIASES = {"general": "ordinary", "一般": "ordinary", "较严重": "serious", "重大": "major"}


def track_error(error: tracks.TrackError) -> DomainError:
    return DomainError(Bilingual(error.zh, error.en), field=error.field, code="invalid_track")


def _text(data: dict[str, Any], name: str, limit: int = MAX_NOTE, *, required=False) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        raise DomainError(_("This field is required."), field=name, code="required")
    if len(value) > limit:
        raise DomainError(_("At most %(n)d characters."), field=name, params={"n": limit})
    return value


def _moment(value: Any, field: str) -> dt.datetime:
    moment = parse_datetime(str(value or "").strip()) if value else None
    if moment is None or moment.tzinfo is None:
        raise DomainError(
            _("This must be an ISO 8601 time with a time zone."), field=field, code="invalid"
        )
    return moment


def _ms_pairs(value: Any, field: str) -> list[list[int]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(
        isinstance(pair, list | tuple)
        and len(pair) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
        and pair[0] < pair[1]
        for pair in value
    ):
        raise DomainError(
            _("Pauses must be [start_ms, end_ms] pairs with the start first."), field=field
        )
    return [[int(a), int(b)] for a, b in value]


def _reach(code: str) -> Reach:
    reach = (
        Reach.objects.select_related("division", "water_body")
        .filter(code=_text({"reach_code": code}, "reach_code", 40, required=True))
        .first()
    )
    if reach is None:
        raise NotFound(_("Unknown reach code."), field="reach_code")
    return reach


def _who(actor, kind: str, reach: Reach, data: dict[str, Any]) -> tuple[User | None, access.Duty]:
    """(the chief patrolled for, the duty): 403 when the reach is not the person's."""
    not_yours = Forbidden(_("You may only patrol the reaches assigned to you."), field="reach_code")
    if kind != Kind.DELEGATED:
        if data.get("on_behalf_of"):
            raise DomainError(_("Only a delegated patrol names a chief."), field="on_behalf_of")
        duty = access.duty_on(actor, reach)
        if duty is None or duty.role == "assistant":
            raise not_yours
        return None, duty
    username = _text(data, "on_behalf_of", 150, required=True)
    chief = User.objects.filter(username=username, is_active=True).first()
    if chief is None:
        raise NotFound(_("No such user."), field="on_behalf_of")
    duty = access.duty_on(chief, reach, access.CHIEF_ROLES)
    if duty is None:
        raise DomainError(
            _("This person is not a chief of the reach."), field="on_behalf_of", code="invalid"
        )
    if access.duty_on(actor, reach, access.ASSISTANT_ROLES) is None:
        raise Forbidden(
            _("Only the chief's assistant (河长助理) on this reach patrols on the chief's behalf."),
            field="kind",
        )
    return chief, duty


def _track(data: dict[str, Any], track_file) -> tuple[tracks.Track, str]:
    try:
        if track_file is not None:
            trackfiles.check_size(track_file.size)
            raw = trackfiles.parse_file(track_file.name or "", track_file.read())
            return tracks.parse_points(raw), (track_file.name or "")[:200]
        return tracks.parse_points(data.get("points")), ""
    except tracks.TrackError as error:
        raise track_error(error) from None


def _box(track: tracks.Track) -> dict[str, float | None]:
    if not len(track):
        return {}
    return {
        "track_min_lon": float(track.lon.min()),
        "track_min_lat": float(track.lat.min()),
        "track_max_lon": float(track.lon.max()),
        "track_max_lat": float(track.lat.max()),
    }


def _photos(actor, ids: list[Any], field: str) -> list[PatrolPhoto]:
    keys = [photos.client_uuid(value, field) for value in ids]
    found = {p.client_id: p for p in PatrolPhoto.objects.filter(user=actor, client_id__in=keys)}
    missing = [str(key) for key in keys if key not in found]
    if missing:
        raise DomainError(
            _("Upload these photos first: %(ids)s."),
            field=field,
            params={"ids": ", ".join(missing)},
            code="photo_missing",
        )
    return [found[key] for key in keys]


def record_patrol(actor, data: dict[str, Any], track_file=None) -> tuple[Patrol, bool]:
    """Store one patrol; a retry with the same client id returns the stored one (created False)."""
    photos.require_patroller(actor)
    key = photos.client_uuid(data.get("client_id"))
    existing = Patrol.objects.filter(user=actor, client_id=key).first()
    if existing is not None:
        return existing, False
    kind = _text(data, "kind", 12) or Kind.NORMAL
    if kind not in Kind.values:
        raise DomainError(
            _("Must be one of: %(values)s."),
            field="kind",
            params={"values": ", ".join(Kind.values)},
        )
    reach = _reach(data.get("reach_code"))
    chief, duty = _who(actor, kind, reach, data)
    started = _moment(data.get("started_at"), "started_at")
    ended = _moment(data.get("ended_at"), "ended_at")
    if ended < started:
        raise DomainError(_("The patrol must end after it starts."), field="ended_at")
    if ended - started > dt.timedelta(hours=MAX_HOURS):
        raise DomainError(
            _("A patrol lasts at most %(n)d hours."), field="ended_at", params={"n": MAX_HOURS}
        )
    if started > timezone.now() + dt.timedelta(minutes=10):
        raise DomainError(_("The patrol cannot start in the future."), field="started_at")
    pauses = _ms_pairs(data.get("pauses"), "pauses")
    note = _text(data, "note")
    records = checks.records(data.get("records"))
    problems = checks.problems(data.get("problems"))
    evidence_ids = list(data.get("photo_ids") or [])
    if kind == Kind.EQUIVALENT:
        if not note or not evidence_ids:
            raise DomainError(
                _("A meeting or on-site handling needs a note and at least one photo as evidence."),
                field="photo_ids" if note else "note",
                code="required",
            )
        track, source = tracks.empty(), ""
    else:
        track, source = _track(data, track_file)
    used = _photos(actor, evidence_ids, "photo_ids")
    for index, item in enumerate(records):
        item["photos"] = _photos(actor, item["photo_ids"], f"records[{index}].photo_ids")
    for index, item in enumerate(problems):
        item["photos"] = _photos(actor, item["photo_ids"], f"problems[{index}].photo_ids")
        used += item["photos"]
    used += [p for item in records for p in item["photos"]]
    taken = [p for p in used if p.patrol_id is not None]
    if taken:
        raise DomainError(
            _("A photo already belongs to another patrol."), field="photo_ids", code="photo_used"
        )
    judged = checks.judge(
        actor=actor,
        credited=chief or actor,
        reach=reach,
        duty=duty,
        kind=kind,
        track=track,
        pauses=pauses,
        started=started,
        ended=ended,
        photos=list({p.pk: p for p in used}.values()),
        reports_problems=bool(problems),
    )
    patrol = Patrol(
        client_id=key,
        user=actor,
        on_behalf_of=chief,
        credited_user=chief or actor,
        reach=reach,
        division=reach.division,
        division_code=reach.division.code,
        level=duty.level,
        role=duty.role,
        kind=kind,
        started_at=started,
        ended_at=ended,
        local_date=local_date(started),
        track=tracks.encode(track) if len(track) else "",
        point_count=len(track),
        **_box(track),
        pauses=pauses,
        note=note,
        source_file=source,
        approval=Approval.PENDING if kind == Kind.EQUIVALENT else Approval.NONE,
        problem_count=len(problems),
        **judged,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin leaves us usable
                patrol.save()
        except IntegrityError:
            twin = Patrol.objects.filter(user=actor, client_id=key).first()
            if twin is None:
                raise
            return twin, False
        PatrolPhoto.objects.filter(pk__in=[p.pk for p in used]).update(patrol=patrol)
        PatrolRecord.objects.bulk_create(
            [
                PatrolRecord(
                    patrol=patrol,
                    client_id=item["client_id"],
                    item=item["item"],
                    abnormal=item["abnormal"],
                    note=item["note"],
                    lon=item["lon"],
                    lat=item["lat"],
                    at=item["at"],
                    photo_ids=[str(p.client_id) for p in item["photos"]],
                )
                for item in records
            ]
        )
        _report(actor, patrol, reach, track, problems)
        audit.record(
            actor,
            "create",
            patrol,
            after=audit.snapshot(patrol, [f for f in _AUDITED]),
            division_code=patrol.division_code,
        )
    return patrol, True


_AUDITED = [
    "client_id",
    "user",
    "on_behalf_of",
    "reach",
    "kind",
    "started_at",
    "ended_at",
    "point_count",
    "distance_m",
    "duration_s",
    "coverage",
    "verdict",
    "reasons",
    "approval",
]


def _report(actor, patrol: Patrol, reach: Reach, track: tracks.Track, problems) -> None:
    """Each problem found becomes a problem of source 巡河 in the problem workflow."""
    from riverchief.problems.services import report_problem

    for index, item in enumerate(problems):
        lon, lat = item["lon"], item["lat"]
        if lon is None or lat is None:
            if not len(track):
                raise DomainError(_("This field is required."), field=f"problems[{index}].lon")
            lon, lat = float(track.lon[-1]), float(track.lat[-1])
        files = [photo.file.open("rb") for photo in item["photos"]]
        try:
            problem, _created = report_problem(
                actor,
                {
                    "category": item["category"],
                    "description": item["description"],
                    "severity": SEVERITY_ALIASES.get(item["severity"], item["severity"]),
                    "source": "patrol",
                    "lon": lon,
                    "lat": lat,
                    "reach_code": reach.code,
                },
                files,
                idempotency_key=f"patrol:{item['client_id']}",
            )
        except DomainError as error:
            error.field = (
                f"problems[{index}].{error.field}" if error.field else f"problems[{index}]"
            )
            raise
        finally:
            for handle in files:
                handle.close()
        PatrolProblem.objects.create(patrol=patrol, client_id=item["client_id"], problem=problem)


@transaction.atomic
def decide_equivalence(actor, patrol_id: int, approve: bool, note: str = "") -> Patrol:
    """The office approves or refuses a 视同巡河 in its scope."""
    from riverchief.patrols.validity import judge

    patrol = Patrol.objects.editable_by(actor).select_for_update().filter(pk=patrol_id).first()
    if patrol is None:
        if Patrol.objects.visible_to(actor).filter(pk=patrol_id).exists():
            raise Forbidden(_("Your role may not do this."))
        raise NotFound(_("No such patrol."))
    if patrol.kind != Kind.EQUIVALENT:
        raise DomainError(_("Only a 视同巡河 needs approval."), field="approve")
    before = audit.snapshot(patrol, ["approval", "verdict", "credited", "approval_note"])
    patrol.approval = Approval.APPROVED if approve else Approval.REJECTED
    verdict = judge(None, checks.default_rule(), patrol.kind, approval=patrol.approval)
    patrol.verdict = verdict.verdict
    patrol.reasons = [reason.as_dict() for reason in verdict.reasons]
    patrol.credited = verdict.verdict == "valid"
    patrol.approved_by = actor
    patrol.approved_at = timezone.now()
    patrol.approval_note = _text({"note": note}, "note", 2000)
    patrol.save()
    after = audit.snapshot(patrol, ["approval", "verdict", "credited", "approval_note"])
    audit.record(
        actor,
        "approve" if approve else "reject",
        patrol,
        before=before,
        after=after,
        division_code=patrol.division_code,
    )
    return patrol
