"""The problem category a water-quality alarm opens (水质超标告警); its default department is set
by the installation (the demo: 生态环境分局)."""

from django.db import migrations

CODE = "water_quality_alarm"


def seed(apps, schema_editor):
    Category = apps.get_model("problems", "Category")
    Category.objects.get_or_create(
        code=CODE,
        defaults={
            "group": "水污染",
            "name": "水质超标告警",
            "default_deadline_days": 10,
            "help_text": "自动监测值劣于断面水质目标或超过设定阈值（监测告警）。",
            "order": 175,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_seed_parameters"), ("problems", "0002_seed_categories")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
