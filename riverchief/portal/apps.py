from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "riverchief.portal"
    label = "portal"
    verbose_name = _("Public site")

    def ready(self) -> None:
        from riverchief.portal.hooks import on_problem_event
        from riverchief.problems.signals import subscribe

        subscribe(on_problem_event)
