"""The phone patrol app (巡河, a PWA): its page, its service worker and its web manifest.

The page is rendered once online and then kept on the phone by the service worker; everything the
script needs to say is rendered here through gettext (it reads the JSON block, never hard-coded
text). The worker is served under /patrols/go/ so that its scope covers the page.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from riverchief.patrols import pages

# The files the page needs, kept by the service worker (its version is a hash of them all).
APP_FILES = [
    "vendor/bootstrap.min.css",
    "vendor/bootstrap.bundle.min.js",
    "vendor/htmx.min.js",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/images/layers.png",
    "vendor/leaflet/images/layers-2x.png",
    "vendor/leaflet/images/marker-icon.png",
    "vendor/leaflet/images/marker-icon-2x.png",
    "vendor/leaflet/images/marker-shadow.png",
    "web/site.css",
    "web/favicon.svg",
    "patrols/go.css",
    "patrols/go.js",
    "patrols/store.js",
    "patrols/sync.js",
    "patrols/photo.js",
    "patrols/track.js",
    "patrols/patrolmap.js",
    "patrols/lists.js",
    "patrols/icons/icon-192.png",
    "patrols/icons/icon-512.png",
]


@lru_cache(maxsize=1)
def _version() -> str:
    digest = hashlib.sha256()
    for name in APP_FILES:
        path = finders.find(name)
        digest.update(name.encode())
        if path:
            with open(path, "rb") as handle:
                digest.update(handle.read())
    template = get_template("patrols/go.html").template.source
    digest.update(template.encode())
    return digest.hexdigest()[:16]


def _texts() -> dict:
    """Every sentence the script shows, in the page's language (%(name)s placeholders)."""
    return {
        "online": _("Online"),
        "offline": _("Offline"),
        "pending": _("To sync: %(n)s"),
        "synced": _("All synced"),
        "gps_waiting": _("Waiting for the position…"),
        "gps_ok": _("GPS accuracy %(m)s m"),
        "gps_poor": _("GPS accuracy %(m)s m: too poor, this point is not kept"),
        "gps_denied": _("No position: allow this page to use your location."),
        "gps_none": _("This browser cannot give a position."),
        "no_reaches": _("No reach is assigned to you."),
        "reaches_offline": _("Offline: the reaches saved on this phone are shown."),
        "reaches_unknown": _("Offline, and no reach saved on this phone yet."),
        "pause": _("Pause"),
        "resume": _("Resume"),
        "recorded": _("Checklist records: %(r)s · problems: %(p)s"),
        "normal": _("Normal"),
        "abnormal": _("Abnormal"),
        "place": _("Place: %(lon)s, %(lat)s (±%(m)s m)"),
        "need_category": _("Choose a category."),
        "need_place": _("No position yet: wait for the GPS."),
        "problem_saved": _("Problem saved; it is sent with the patrol."),
        "photo_failed": _("The photo could not be read: %(reason)s"),
        "confirm_end": _("End this patrol?"),
        "waiting": _("Kept on this phone; it is sent when there is network."),
        "uploaded": _("Uploaded: %(verdict)s"),
        "refused": _("Not accepted by the server: %(reason)s"),
        "retry": _("Send again"),
        "nothing_here": _("No patrol on this phone yet."),
        "verdicts": pages.verdict_labels(),
    }


@login_required
@require_GET
@never_cache
def go(request):
    user = request.user
    config = {
        "user": user.get_username(),
        "csrf": get_token(request),
        "urls": {
            "reaches": reverse("api:my_reaches"),
            "photos": reverse("api:photo_upload"),
            "patrols": reverse("api:patrol_record"),
            "worker": reverse("patrols:worker"),
            "scope": reverse("patrols:go"),
            "detail": reverse("patrols:detail", args=[0]),
        },
        "items": pages.checklist_items(),
        "tiles": pages.tile_config(),
        "text": _texts(),
    }
    context = {
        "config": config,
        "kinds": pages.app_kinds(),
        "category_groups": pages.problem_category_groups(user),
    }
    return render(request, "patrols/go.html", context)


@require_GET
def worker(request):
    """The service worker; public, like any static file (it holds no data)."""
    body = render_to_string(
        "patrols/sw.js",
        {
            "scope": reverse("patrols:go"),
            "version": _version(),
            "shell": json.dumps(reverse("patrols:go")),
            "files": json.dumps([static(name) for name in APP_FILES]),
        },
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("patrols:go")
    return response


@require_GET
def manifest(request):
    go_url = reverse("patrols:go")
    icons = [
        {
            "src": static(f"patrols/icons/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any maskable",
        }
        for size in (192, 512)
    ]
    data = {
        "name": _("River patrol") + " · riverchief",
        "short_name": _("Patrol"),
        "description": _("Patrol a reach with the GPS track, checklist and photos, offline first."),
        "lang": get_language(),
        "id": go_url,
        "start_url": go_url,
        "scope": go_url,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "icons": icons,
    }
    body = json.dumps(data, ensure_ascii=False)
    return HttpResponse(body, content_type="application/manifest+json; charset=utf-8")
