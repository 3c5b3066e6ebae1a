"""Reports from one address at the same moment are counted one after the other: never more than
the limit get through, whichever processes or threads they reach (PostgreSQL: real threads)."""

from __future__ import annotations

import pytest

from riverchief.portal import ratelimit, services
from riverchief.portal.models import PublicReport, RateKey
from riverchief.problems.models import Problem
from tests.concurrency import on_postgresql, run_together

POINT = (111.4125, 35.5205)  # in 东刘家村


def test_six_reports_at_once_from_one_address_store_the_limit_and_refuse_the_rest(
    django_db_setup, django_db_blocker, monkeypatch
):
    if not on_postgresql(django_db_blocker):
        pytest.skip("threads with their own transactions need PostgreSQL")
    monkeypatch.setattr(ratelimit, "per_hour", lambda: 3)
    address = "198.51.100.77"

    def report(n: int):
        return services.submit_report(
            category_code="rubbish",
            description=f"同一地址并发举报 {n}",
            lon=POINT[0],
            lat=POINT[1],
            ip=address,
            device_id=f"race-phone-{n}",  # new devices: only the address can stop them
        )

    with django_db_blocker.unblock():
        try:
            results = run_together(*[lambda n=n: report(n) for n in range(6)])
            stored = [r for r in results if isinstance(r, PublicReport)]
            refused = [r for r in results if isinstance(r, ratelimit.RateLimited)]
            assert (len(stored), len(refused)) == (3, 3), results
            ip_hash = ratelimit.digest("ip", address)
            assert PublicReport.objects.filter(ip_hash=ip_hash).count() == 3
            assert RateKey.objects.filter(key=f"ip_hash:{ip_hash}").count() == 1
        finally:
            mine = Problem.objects.filter(description__startswith="同一地址并发举报")
            PublicReport.objects.filter(problem__in=mine).delete()  # it protects its problem
            mine.delete()
            RateKey.objects.filter(key__contains=ratelimit.digest("ip", address)).delete()
            for n in range(6):
                RateKey.objects.filter(
                    key=f"device_hash:{ratelimit.digest('device', f'race-phone-{n}')}"
                ).delete()
