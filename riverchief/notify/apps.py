from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "riverchief.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from riverchief.notify.handler import on_problem_events
        from riverchief.problems.signals import subscribe

        subscribe(on_problem_events)
