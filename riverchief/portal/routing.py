"""Where a public report goes (pure: no Django): its reach's chiefs and its category's department,
else the river chief office.

A report within the distance at which every report is placed on a reach
(RIVERCHIEF_REACH_DISTANCE_M, `problems.locate`) is the reach's: its chiefs are told of it.
Once the office accepts a report (it looks at every one before anything is handed on or
published), the category's default department takes it, near a reach or not. A report of a
category without a department stays with the office, which assigns it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from riverchief.core.divcodes import contains

REACH = "reach"  # the reach's chiefs see it; the office assigns it
DEPARTMENT = "department"  # the reach's chiefs see it; the department takes it on acceptance
OFFICE = "office"  # the county office places and assigns it


@dataclass(frozen=True)
class Department:
    """The category's default department, as the rule needs it."""

    id: int
    division_code: str


@dataclass(frozen=True)
class Route:
    reach_in_range: bool
    department_id: int | None = None

    @property
    def target(self) -> str:
        if self.department_id is not None:
            return DEPARTMENT
        return REACH if self.reach_in_range else OFFICE


def decide(
    reach_distance_m: float | None,
    max_distance_m: float,
    department: Department | None,
    problem_division: str,
) -> Route:
    """The route of a report `reach_distance_m` from its nearest reach (None: no reach found)."""
    in_range = reach_distance_m is not None and 0 <= reach_distance_m <= max_distance_m
    # A department serves the problems of its division and of every division below it.
    if department is None or not contains(department.division_code, problem_division):
        return Route(reach_in_range=in_range)
    return Route(reach_in_range=in_range, department_id=department.id)
