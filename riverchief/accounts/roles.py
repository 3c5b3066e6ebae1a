"""Roles and what each may do: plain data, no Django.

A capability is a string such as "registry.change"; later features add theirs here, so the answer
to "who may do X" is always in this one table.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SYSADMIN = "sysadmin"  # 系统管理员
    OFFICE = "office"  # 河长办
    LEADER = "leader"  # 领导 (read-only)
    CHIEF = "chief"  # 河湖长 (county, township or village level, from the scope's division)
    PATROLLER = "patroller"  # 巡河员 / 保洁员
    DEPARTMENT = "department"  # 部门 officer
    # 民间河长: reports on the public site and confirms the fix; sees no staff data.
    VOLUNTEER = "volunteer"


CAPABILITIES: dict[Role, frozenset[str]] = {
    Role.SYSADMIN: frozenset(),  # a system administrator's scope covers everything
    Role.OFFICE: frozenset(
        {
            "registry.change",
            "audit.view",
            "users.view",
            "users.change",
            "calendar.view",
            "calendar.change",
            "portal.change",  # the public site's notices (公告, 河长令) and public reports list
            "monitoring.change",  # lab imports, alarm thresholds, problems from alarms
            "open311.keys",  # issue and revoke Open311 API keys
            "signboards.change",  # record a signboard as printed and put up
            "signboards.view",  # signboard PDFs and the out-of-date list
        }
    ),
    Role.LEADER: frozenset({"users.view", "calendar.view", "signboards.view"}),
    Role.CHIEF: frozenset({"signboards.view"}),
    Role.PATROLLER: frozenset(),
    Role.DEPARTMENT: frozenset(),
    Role.VOLUNTEER: frozenset(),
}


def capabilities(role: str) -> frozenset[str]:
    try:
        return CAPABILITIES[Role(role)]
    except ValueError:
        return frozenset()


def needs_department(role: str) -> bool:
    return role == Role.DEPARTMENT


def needs_division(role: str) -> bool:
    return role not in (Role.SYSADMIN, Role.DEPARTMENT)
