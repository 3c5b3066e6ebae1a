"""Seed the holiday table from the chinese-calendar package (every year it knows)."""

from django.db import migrations
from django.utils import timezone


def forward(apps, schema_editor):
    from riverchief.core import calendar_seed

    calendar_seed.seed(
        apps.get_model("core", "CalendarDay"),
        apps.get_model("core", "CalendarYear"),
        now=timezone.now(),
    )


def backward(apps, schema_editor):
    apps.get_model("core", "CalendarDay").objects.filter(source="package").delete()
    apps.get_model("core", "CalendarYear").objects.filter(entered_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0003_calendar")]

    operations = [migrations.RunPython(forward, backward)]
