"""Authentication for the JSON API: a bearer token, or the browser's session (with CSRF)."""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from riverchief.accounts import services


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = services.user_for_token(token)
        if user is not None:
            request.user = user
        return user


class Session(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


API_AUTH = [BearerToken(), Session()]
