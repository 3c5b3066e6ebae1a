from django.apps import AppConfig


class SignboardsConfig(AppConfig):
    name = "riverchief.signboards"
    label = "signboards"
    verbose_name = "Signboards (公示牌)"
    default_auto_field = "django.db.models.BigAutoField"
