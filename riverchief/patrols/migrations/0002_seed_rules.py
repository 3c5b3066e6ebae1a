"""Default validity and frequency rules (river-chief-system.md §3.1, §3.2), edited by the office."""

from django.db import migrations

FREQUENCY = [
    ("county", "chief", "quarter"),
    ("township", "chief", "month"),
    ("village", "chief", "week"),
    ("county", "patroller", "week"),
    ("township", "patroller", "week"),
    ("village", "patroller", "week"),
]


def seed(apps, schema_editor):
    ValidityRule = apps.get_model("patrols", "ValidityRule")
    FrequencyRule = apps.get_model("patrols", "FrequencyRule")
    ValidityRule.objects.get_or_create(
        level="",
        role="",
        defaults={
            "settings": {
                "min_minutes": 10.0,
                "min_distance_m": 1000.0,
                "min_coverage": 0.5,
                "short_reach_m": 2000.0,
                "max_median_kmh": 15.0,
                "speed_verdict": "invalid",
                "coverage_m": 100.0,
                "min_on_reach": 0.3,
                "max_gap_share": 0.5,
            }
        },
    )
    for level, role, period in FREQUENCY:
        FrequencyRule.objects.get_or_create(
            level=level,
            role=role,
            defaults={"period": period, "times": 1, "active_months": list(range(1, 13))},
        )


class Migration(migrations.Migration):
    dependencies = [("patrols", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
