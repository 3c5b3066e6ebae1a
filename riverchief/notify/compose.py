"""The words of a notification, and the body each kind of channel expects.

Messages are written once, in the platform's language (zh-hans by default), when the event is
handled: the inbox, e-mail and group robots then say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from riverchief.core import divcodes
from riverchief.problems import states
from riverchief.problems.models import Problem, ProblemEvent

WECOM_LIMIT = 4000  # bytes: 企业微信 refuses markdown content over 4096 bytes
DINGTALK_LIMIT = 15000  # characters
EMAIL_SUBJECT_LIMIT = 150

TITLES = {
    "report": gettext_lazy("New problem %(number)s awaits acceptance"),
    "assign": gettext_lazy("Problem %(number)s has been assigned to you"),
    "transfer": gettext_lazy("Problem %(number)s has been transferred to you"),
    "reopen": gettext_lazy("Problem %(number)s has been reopened"),
    "submit": gettext_lazy("Problem %(number)s awaits verification"),
    "return": gettext_lazy("Problem %(number)s was returned for rectification"),
    "close": gettext_lazy("Problem %(number)s has been verified and closed"),
    "reject": gettext_lazy("Problem %(number)s was not accepted"),
    "mark_duplicate": gettext_lazy("Problem %(number)s was marked as a duplicate"),
    "escalate": gettext_lazy("Problem %(number)s is overdue: %(level)s"),
    "request_extension": gettext_lazy("An extension is requested for problem %(number)s"),
    "approve_extension": gettext_lazy("The extension for problem %(number)s was approved"),
    "refuse_extension": gettext_lazy("The extension for problem %(number)s was refused"),
    "rate": gettext_lazy("The reporter is not satisfied with problem %(number)s"),
    "remind": gettext_lazy("Deadline reminder for problem %(number)s"),
}
DEFAULT_TITLE = gettext_lazy("Problem %(number)s: %(action)s")
LEVELS = {
    1: gettext_lazy("yellow card"),
    2: gettext_lazy("red card (挂牌督办)"),
    3: gettext_lazy("public notice (通报)"),
}
# The pages that show one problem, in the order tried; the API's record until one exists.
DETAIL_ROUTES = ("problems:detail", "problems:problem_detail")


@dataclass
class Message:
    """One notification's content, ready for any channel."""

    kind: str
    title: str
    lines: list[tuple[str, str]]  # (label, value)
    link: str  # a path on this site
    problem: dict[str, Any] = field(default_factory=dict)
    event: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The plain text; with the full link where the site's address is configured."""
        body = "\n".join(f"{label}: {value}" for label, value in self.lines)
        url = self.url
        return f"{body}\n{url}" if url else body

    @property
    def inbox_text(self) -> str:
        return "\n".join(f"{label}: {value}" for label, value in self.lines)

    @property
    def url(self) -> str:
        """The full link, or "" while RIVERCHIEF_SITE_URL is unset (a path means nothing in a
        mailbox or a chat group)."""
        url = absolute(self.link)
        return url if url.startswith(("http://", "https://")) else ""

    def markdown(self) -> str:
        rows = [f"### {self.title}"]
        rows += [f"> **{label}**: {_one_line(value)}" for label, value in self.lines]
        url = self.url
        if url:
            with translation.override(settings.LANGUAGE_CODE):
                label = _("Open in the platform")
            rows.append(f"\n[{label}]({url})")
        return "\n".join(rows)


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


def absolute(link: str) -> str:
    """The link as a full URL where the site's address is configured (RIVERCHIEF_SITE_URL)."""
    base = getattr(settings, "RIVERCHIEF_SITE_URL", "").rstrip("/")
    if not link:
        return base
    return f"{base}{link}" if base and link.startswith("/") else link


def problem_link(problem: Problem) -> str:
    for name in DETAIL_ROUTES:
        try:
            return reverse(name, args=[problem.number or problem.pk])
        except NoReverseMatch:
            continue
    return f"/api/v1/problems/{problem.pk}"


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def for_event(problem: Problem, event: ProblemEvent) -> Message:
    """The message about one event of one problem (needs division, category, reach loaded)."""
    with translation.override(settings.LANGUAGE_CODE):
        number = problem.number or f"#{problem.pk}"
        level = (event.data or {}).get("to", problem.escalation_level)
        level = LEVELS.get(level, level)
        template = TITLES.get(event.action, DEFAULT_TITLE)
        title = str(template) % {
            "number": number,
            "level": str(level),
            "action": states.label(event.action),
        }
        where = problem.division.name
        if problem.reach_id:
            where = f"{where} · {problem.reach.name}"
        lines = [
            (_("Number"), number),
            (_("Category"), str(problem.category)),
            (_("Where"), where + (f" ({problem.address})" if problem.address else "")),
            (_("State"), str(problem.get_state_display())),
        ]
        if problem.assignee_department_id or problem.assignee_user_id:
            holder = problem.assignee_department or problem.assignee_user
            lines.append((_("Handled by"), str(holder)))
        if problem.deadline and problem.state in states.CLOCK_STATES:
            lines.append((_("Deadline"), _when(problem.deadline)))
        if event.note and event.action != "report":
            lines.append((_("Note"), event.note[:500]))
        lines.append((_("Description"), problem.description[:300]))
        by = event.actor_name if event.actor_id else _("the platform")
        lines.append((_("By"), by))
        link = problem_link(problem)
        return Message(
            kind=event.action,
            title=title[:200],
            lines=lines,
            link=link,
            problem={
                "id": problem.pk,
                "number": problem.number,
                "state": problem.state,
                "state_label": str(problem.get_state_display()),
                "category": problem.category.code,
                "category_name": problem.category.name,
                "severity": problem.severity,
                "division_code": divcodes.short(problem.division.code),
                "division_name": problem.division.name,
                "reach_code": problem.reach.code if problem.reach_id else None,
                "reach_name": problem.reach.name if problem.reach_id else None,
                "deadline": problem.deadline.isoformat() if problem.deadline else None,
                "escalation_level": problem.escalation_level,
                "description": problem.description[:1000],
                "url": absolute(link),  # a path while RIVERCHIEF_SITE_URL is unset
            },
            event={
                "id": event.pk,
                "action": event.action,
                "label": states.label(event.action),
                "at": event.at.isoformat(),
                "actor": event.actor_name,
                "note": event.note[:1000],
            },
        )


def test_message(channel_name: str) -> Message:
    with translation.override(settings.LANGUAGE_CODE):
        return Message(
            kind="test",
            title=_("Test message from the River and Lake Chief Platform"),
            lines=[
                (_("Channel"), channel_name),
                (_("Sent"), _when(timezone.now())),
            ],
            link="",
        )


# --- the body each kind of channel expects ---------------------------------------------------


def payload(kind: str, message: Message) -> dict[str, Any]:
    """What a Delivery stores: the JSON body for a webhook, or subject and text for e-mail."""
    if kind == "wecom_robot":
        return {"msgtype": "markdown", "markdown": {"content": _cut_bytes(message.markdown())}}
    if kind == "dingtalk_robot":
        return {
            "msgtype": "markdown",
            "markdown": {"title": message.title, "text": message.markdown()[:DINGTALK_LIMIT]},
        }
    if kind == "webhook_json":
        return {
            "event": message.kind,
            "event_detail": message.event,
            "title": message.title,
            "text": message.text,
            "problem": message.problem,
        }
    return {"subject": _subject(message.title), "body": message.text}


def _subject(title: str) -> str:
    return _one_line(title)[:EMAIL_SUBJECT_LIMIT]


def _cut_bytes(text: str, limit: int = WECOM_LIMIT) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"
