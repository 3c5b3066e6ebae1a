"""Every change to the registry, one module per use case; each call is one audited transaction."""

from riverchief.registry.services.assignments import (
    assign_person,
    assign_person_to_reaches,
    end_assignment,
)
from riverchief.registry.services.divisions import (
    set_division_outline,
    upsert_department,
    upsert_division,
)
from riverchief.registry.services.documents import add_document
from riverchief.registry.services.facilities import save_facility
from riverchief.registry.services.waters import save_reach, save_water_body

__all__ = [
    "add_document",
    "assign_person",
    "assign_person_to_reaches",
    "end_assignment",
    "save_facility",
    "save_reach",
    "save_water_body",
    "set_division_outline",
    "upsert_department",
    "upsert_division",
]
