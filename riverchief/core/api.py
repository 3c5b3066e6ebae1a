"""Audit log search for office admins."""

from datetime import date, datetime

from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from riverchief.core import queries
from riverchief.core.scoping import scope_of

router = Router(tags=["audit"])


class AuditOut(Schema):
    id: int
    at: datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    division_code: str
    before: dict | None
    after: dict | None
    message: str


@router.get("/audit", response=list[AuditOut], summary="Search the audit log (office admins)")
@paginate(LimitOffsetPagination)
def audit_list(
    request,
    q: str = "",
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: date | None = None,
    until: date | None = None,
):
    scope_of(request.user).require("audit.view")
    return queries.search_audit(
        request.user,
        text=q,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        since=since,
        until=until,
    )
