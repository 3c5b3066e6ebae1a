from django.urls import include, path
from django.views.i18n import set_language

from riverchief.api import api
from riverchief.web import views as web_views

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("sta/v1.1/", include("riverchief.sensorthings.urls")),
    path("ogcapi/", include("riverchief.ogcapi.urls")),
    path("open311/v2/", include("riverchief.open311.urls")),
    path("open311/keys/", include("riverchief.open311.urls_keys")),
    path("signboards/", include("riverchief.signboards.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("riverchief.accounts.urls")),
    path("registry/", include("riverchief.registry.urls")),
    path("calendar/", include("riverchief.core.urls_calendar")),
    path("problems/notices/", include("riverchief.problems.urls_notices")),
    path("problems/", include("riverchief.problems.urls")),  # after problems/…: it ends in <ref>/
    path("notifications/", include("riverchief.notify.urls")),
    path("patrols/", include("riverchief.patrols.urls")),
    path("water-quality/", include("riverchief.monitoring.urls")),
    path("p/", include("riverchief.portal.urls")),
    path("", include("riverchief.web.urls")),
]

handler404 = "riverchief.web.views.not_found"
handler500 = "riverchief.web.views.server_error"
handler403 = "riverchief.web.views.forbidden"
