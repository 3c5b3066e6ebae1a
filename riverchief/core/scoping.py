"""Jurisdiction scope: the one mechanism every query and service goes through.

A user's `Scope` says which part of the division tree they act in, whether they are bound to a
department, and what they may do (capabilities). Models use `ScopedQuerySet`, whose
`visible_to(user)` and `editable_by(user)` ask the model's `scope_filter()` for the rows a scope
covers. Views, API handlers and services never filter by scope themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from riverchief.core.divcodes import subtree_bounds
from riverchief.core.errors import Forbidden


@dataclass(frozen=True)
class Scope:
    """What one user may see and do."""

    authenticated: bool = False
    everything: bool = False  # system administrators: the whole installation
    division_code: str | None = None  # 12-digit statistical code of the scope's root division
    department_id: int | None = None
    role: str = ""
    capabilities: frozenset[str] = field(default_factory=frozenset)

    def can(self, capability: str) -> bool:
        return self.everything or capability in self.capabilities

    def require(self, capability: str) -> None:
        """Raise Forbidden (403) unless the scope's role has the capability."""
        if not self.can(capability):
            raise Forbidden(_("Your role may not do this."))

    def covers_division(self, code: str | None) -> bool:
        """True when the division with this 12-digit code lies inside the scope."""
        if self.everything:
            return True
        if not self.division_code or not code:
            return False
        low, high = subtree_bounds(self.division_code)
        return low <= code <= high


ANONYMOUS = Scope()
NOTHING = Q(pk__in=[])


def scope_of(user) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    return getattr(user, "scope", ANONYMOUS)


def division_q(path: str, scope: Scope) -> Q:
    """Rows whose division (reached through `path`, a 12-digit code field) lies in the scope."""
    if scope.everything:
        return Q()
    if not scope.division_code:
        return NOTHING
    low, high = subtree_bounds(scope.division_code)
    return Q(**{f"{path}__gte": low, f"{path}__lte": high})


class ScopedQuerySet(models.QuerySet):
    """Scope-aware reads. Models implement `scope_filter(scope, action) -> Q`."""

    def visible_to(self, user) -> ScopedQuerySet:
        return self.filter(self.model.scope_filter(scope_of(user), "view"))

    def editable_by(self, user) -> ScopedQuerySet:
        return self.filter(self.model.scope_filter(scope_of(user), "change"))


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
