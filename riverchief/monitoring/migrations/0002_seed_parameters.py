"""Seed the parameters from the GB 3838-2002 table, with usual method detection limits.

The limits are those of the usual national methods (HJ 535 NH3N 0.025, GB 11893 TP 0.01,
HJ 828 COD 4, HJ 505 BOD5 0.5, HJ 694 As 0.0003 / Hg 0.00004, HJ 700 metals, HJ 484 CN 0.004,
HJ 503 VPhenol 0.0003, HJ 970 Oil 0.01, GB 7494 LAS 0.05, HJ 1226 S2 0.003, HJ 347.2 FC 20 个/L);
a lab file's own "<x" always wins, and the office can edit them.
"""

from django.db import migrations

from riverchief.monitoring.gb3838 import ITEMS

DETECTION_LIMITS = {
    "DO": 0.2,
    "CODMn": 0.5,
    "COD": 4,
    "BOD5": 0.5,
    "NH3N": 0.025,
    "TP": 0.01,
    "TN": 0.05,
    "Cu": 0.001,
    "Zn": 0.05,
    "F": 0.05,
    "Se": 0.0004,
    "As": 0.0003,
    "Hg": 0.00004,
    "Cd": 0.0005,
    "Cr6": 0.004,
    "Pb": 0.0025,
    "CN": 0.004,
    "VPhenol": 0.0003,
    "Oil": 0.01,
    "LAS": 0.05,
    "S2": 0.003,
    "FC": 20,
    "chla": 2,
    "SD": 0.05,
}


def seed(apps, schema_editor):
    Parameter = apps.get_model("monitoring", "Parameter")
    for order, item in enumerate(ITEMS.values(), start=1):
        Parameter.objects.update_or_create(
            code=item.code,
            defaults={
                "name": item.name,
                "name_en": item.name_en,
                "unit": item.unit,
                "detection_limit": DETECTION_LIMITS.get(item.code),
                "order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
