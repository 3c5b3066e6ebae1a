"""Load the signed-in user together with what their scope needs, in one query."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from riverchief.accounts.models import User


class ScopedModelBackend(ModelBackend):
    def get_user(self, user_id):
        # Outlines are large (a county's polygon): never loaded just to know who is signed in.
        user = (
            User.objects.select_related("division", "department__division")
            .defer("division__geometry", "department__division__geometry")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
