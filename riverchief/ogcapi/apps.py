from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OgcApiConfig(AppConfig):
    name = "riverchief.ogcapi"
    label = "ogcapi"
    verbose_name = _("Open data (OGC API – Features)")
