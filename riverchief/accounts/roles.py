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
        }
    ),
    Role.LEADER: frozenset({"users.view", "calendar.view"}),
    Role.CHIEF: frozenset(),
    Role.PATROLLER: frozenset(),
    Role.DEPARTMENT: frozenset(),
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
