"""Run inside the test server's environment (its data folder and database): an Open311 key and
three public reports on a demo reach (accepted, closed, waiting). Prints them as JSON."""

from __future__ import annotations

import json

import django


def main() -> None:
    django.setup()
    from riverchief.accounts.models import User
    from riverchief.open311 import keys
    from riverchief.portal import services as portal
    from riverchief.problems import transitions
    from riverchief.registry.models import Reach
    from tests.problems.conftest import jpeg

    admin = User.objects.get(username="admin")
    dept = User.objects.get(username="dept_water")
    _key, raw = keys.issue_key(admin, "客户端测试")
    reach = Reach.objects.filter(code__startswith="SSH-", level="village").order_by("code").first()
    line = reach.geometry["coordinates"]
    if reach.geometry["type"] == "MultiLineString":
        line = line[0]
    lon, lat = line[len(line) // 2]
    reports = {}
    for index, (label, category) in enumerate(
        [("open", "rubbish"), ("closed", "sewage"), ("waiting", "floating")]
    ):
        reports[label] = portal.submit_report(
            category_code=category,
            description=f"客户端测试举报（{label}）",
            lon=lon,
            lat=lat,
            name="王五",
            phone="13700000000",
            ip=f"10.9.9.{index + 1}",
        )
    transitions.move(admin, reports["open"].problem.pk, "accept")
    closed = reports["closed"].problem.pk
    transitions.move(admin, closed, "accept")  # 污水 on a reach: routed to 生态环境局 by its hook
    if transitions.load(None, closed).state == "accepted":
        transitions.move(admin, closed, "assign", department_code="140826-SLJ", deadline_days=5)
    else:
        transitions.move(admin, closed, "transfer", department_code="140826-SLJ")
    transitions.move(dept, closed, "start")
    transitions.move(dept, closed, "submit", note="已封堵", files=[jpeg("after.jpg")])
    transitions.move(admin, closed, "close")
    print(
        json.dumps(
            {
                "key": raw,
                "point": [lon, lat],
                "numbers": {k: r.problem.number for k, r in reports.items()},
                "tokens": {k: r.tracking_code for k, r in reports.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
