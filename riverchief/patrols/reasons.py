"""The message of each verdict reason and track repair, in Chinese and English."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from riverchief.core.errors import in_both_languages

MESSAGES = {
    "no_track": _("The patrol has no track."),
    "too_short": _("The patrol lasted %(minutes)s minutes; at least %(min_minutes)s are required."),
    "too_far": _(
        "The patrol covered %(distance_m)s m; at least %(min_distance_m)s m are required."
    ),
    "too_little_coverage": _(
        "The patrol covered %(distance_m)s m and %(coverage)s%% of the reach; at least "
        "%(min_distance_m)s m or %(min_coverage)s%% of the reach are required."
    ),
    "too_fast": _("The median speed was %(speed_kmh)s km/h, faster than %(max_kmh)s km/h on foot."),
    "off_reach": _("Only %(share)s%% of the track lies within %(distance_m)s m of the reach."),
    "mostly_missing": _("%(share)s%% of the patrol's time has no track points."),
    "jump": _(
        "The track jumps %(count)s times faster than %(limit_kmh)s km/h (at most %(speed_kmh)s "
        "km/h over %(distance_m)s m)."
    ),
    "copied_track": _(
        "The track is nearly identical to patrol %(patrol_id)s (within %(distance_m)s m)."
    ),
    "photo_time": _("%(count)s photos were taken outside the patrol's time."),
    "photo_place": _(
        "%(count)s photos were taken more than %(limit_m)s m from the track (up to "
        "%(distance_m)s m)."
    ),
    "photo_reused": _("%(count)s photos were already used in other patrols."),
    "no_problem_streak": _(
        "%(streak)s patrols in a row without a problem, while others reported %(others_reports)s "
        "problems on the same river."
    ),
    "awaiting_approval": _("Counts as a patrol once the river chief office approves it."),
    "equivalence_rejected": _("The river chief office did not accept this as a patrol."),
}

FLAGS = {
    "out_of_order": _("%(count)s points arrived out of time order and were sorted."),
    "duplicate_times": _("%(count)s points repeated a time and were dropped."),
    "low_accuracy": _("%(count)s points less accurate than 100 m were dropped."),
}


def _render(templates: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    code = item.get("code", "")
    template = templates.get(code)
    params = {key: value for key, value in item.items() if key not in ("code", "severity")}
    params.update(item.get("params") or {})
    if template is None:
        zh = en = code
    else:
        zh, en = in_both_languages(template, params)
    return {**item, "message": zh, "message_en": en}


def render_reasons(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_render(MESSAGES, reason) for reason in reasons]


def render_flags(flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_render(FLAGS, flag) for flag in flags]
