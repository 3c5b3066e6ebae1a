"""RFC 6902 JSON Patch on an entity's JSON, as frost-sta-client's `patch()` sends it."""

from __future__ import annotations

import copy
from typing import Any

from django.utils.translation import gettext_lazy as _

from riverchief.core.errors import DomainError


def apply_json_patch(document: dict, operations: Any) -> dict:
    """RFC 6902 add/replace/remove/test on a copy of the entity's JSON (object members only)."""
    if not isinstance(operations, list):
        raise DomainError(_("A JSON Patch is an array of operations."), code="bad_patch")
    result = copy.deepcopy(document)
    for index, operation in enumerate(operations):
        field = f"[{index}]"
        if not isinstance(operation, dict) or not isinstance(operation.get("path"), str):
            raise DomainError(
                _("Each operation needs an op and a path."), field=field, code="bad_patch"
            )
        op, path = operation.get("op"), operation["path"]
        keys = [k.replace("~1", "/").replace("~0", "~") for k in path.split("/")[1:]]
        if not keys:
            raise DomainError(_("The path must name a member."), field=field, code="bad_patch")
        parent = result
        for key in keys[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
            if not isinstance(parent, dict):
                raise DomainError(_("The path does not exist."), field=field, code="bad_patch")
        last = keys[-1]
        if op in ("add", "replace"):
            if "value" not in operation:
                raise DomainError(_("The operation needs a value."), field=field, code="bad_patch")
            if op == "replace" and last not in parent:
                raise DomainError(_("The path does not exist."), field=field, code="bad_patch")
            parent[last] = operation["value"]
        elif op == "remove":
            if last not in parent:
                raise DomainError(_("The path does not exist."), field=field, code="bad_patch")
            del parent[last]
        elif op == "test":
            if parent.get(last) != operation.get("value"):
                raise DomainError(_("The test operation failed."), field=field, code="conflict")
        else:
            raise DomainError(
                _(
                    "JSON Patch operation “%(op)s” is not supported; use add, replace, remove or "
                    "test."
                ),
                field=field,
                code="bad_patch",
                params={"op": str(op)[:20]},
            )
    return result
