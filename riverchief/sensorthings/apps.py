from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensorThingsConfig(AppConfig):
    name = "riverchief.sensorthings"
    label = "sensorthings"
    verbose_name = _("SensorThings API (automatic stations)")
