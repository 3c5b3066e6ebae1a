"""The public site (/p/): every page answers everyone, signed in or not, the same way; the
office's pages for notices and public reports are the office's, each in its own division."""

from __future__ import annotations

from tests.permission_matrix import ALL, Route

POINT = {"lon": 111.4125, "lat": 35.5205}  # on M-REACH
OFFICE = frozenset({"office"})


def _report(accepted: bool = False) -> dict:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from riverchief.accounts.models import User
    from riverchief.portal import services
    from riverchief.problems import services as problem_services

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "blue").save(buffer, "JPEG")
    upload = SimpleUploadedFile("site.jpg", buffer.getvalue(), content_type="image/jpeg")
    report = services.submit_report(
        category_code="rubbish", description="矩阵公众举报（测试）", photos=[upload], **POINT
    )
    token = None
    if accepted:
        problem_services.move(User.objects.get(username="admin"), report.problem_id, "accept")
        services.make_public_copies(report.problem_id)  # what the after-commit hook does
        token = report.photos.get().token
    return {"code": report.tracking_code, "token": token}


def _notice() -> dict:
    from riverchief.accounts.models import User
    from riverchief.portal import notices

    row = notices.save_notice(
        User.objects.get(username="admin"),
        {"kind": "order", "title": "矩阵河长令（测试）", "body": "清理河道垃圾", "publish": True},
    )
    return {"notice_id": row.pk}


def _public(method, pattern, url, **kwargs) -> Route:
    kwargs.setdefault("ok", 200)
    return Route(method, pattern, url, roles=ALL, anonymous=kwargs["ok"], **kwargs)


PORTAL = [
    _public("GET", "p/", "/p/"),
    _public("GET", "p/map.geojson", "/p/map.geojson"),
    _public("GET", "p/reaches/<str:code>", "/p/reaches/M-REACH"),
    _public("GET", "p/report", "/p/report"),
    # A report without a location: the same form error for everyone, nothing stored.
    _public("POST", "p/report", "/p/report", ok=400, body={"category": "rubbish", "consent": "on"}),
    _public("GET", "p/similar", "/p/similar?lon=111.4125&lat=35.5205"),
    _public("GET", "p/track", "/p/track"),
    _public(
        "GET",
        "p/track/<str:tracking_code>",
        lambda ctx: f"/p/track/{ctx['code']}",
        setup=_report,
    ),
    # Not closed yet: nobody may rate it.
    _public(
        "POST",
        "p/track/<str:tracking_code>/rate",
        lambda ctx: f"/p/track/{ctx['code']}/rate",
        ok=400,
        body={"rating": "satisfied"},
        setup=_report,
    ),
    # Only the volunteer chief who reported it confirms the fix; anonymous: sign in first.
    Route(
        "POST",
        "p/track/<str:tracking_code>/confirm",
        lambda ctx: f"/p/track/{ctx['code']}/confirm",
        ok=403,
        anonymous=302,
        setup=_report,
    ),
    _public(
        "GET",
        "p/photos/<str:token>",
        lambda ctx: f"/p/photos/{ctx['token']}",
        setup=lambda: _report(accepted=True),
    ),
    # The language links: the same redirect for everyone.
    _public("GET", "p/language", "/p/language?language=en&next=/p/", ok=302),
    _public("GET", "p/notices", "/p/notices"),
    _public(
        "GET",
        "p/notices/<int:notice_id>",
        lambda ctx: f"/p/notices/{ctx['notice_id']}",
        setup=_notice,
    ),
    Route("GET", "p/office/notices", "/p/office/notices", roles=OFFICE),
    Route("GET", "p/office/notices/new", "/p/office/notices/new", roles=OFFICE),
    Route(
        "POST",
        "p/office/notices/new",
        "/p/office/notices/new",
        roles=OFFICE,
        ok=302,
        body={"kind": "announcement", "title": "公告（测试）", "body": "正文"},
    ),
    Route(
        "GET",
        "p/office/notices/<int:notice_id>",
        lambda ctx: f"/p/office/notices/{ctx['notice_id']}",
        roles=OFFICE,
        outside=404,
        setup=_notice,
    ),
    Route("GET", "p/office/reports", "/p/office/reports", roles=OFFICE),
]
