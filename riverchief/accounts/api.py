"""Sign-in tokens and the current user."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from riverchief.accounts import queries, services
from riverchief.core.scoping import scope_of

router = Router(tags=["accounts"])


class TokenRequest(Schema):
    username: str
    password: str
    name: str = ""


class TokenOut(Schema):
    token: str
    expires_at: datetime


class TokenInfo(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    role_label: str
    scope: dict
    must_change_password: bool


@router.post("/auth/token", auth=None, response={200: TokenOut}, summary="Get an API token")
def create_token(request, payload: TokenRequest):
    user = services.sign_in(request, payload.username, payload.password)
    token, raw = services.issue_token(user, payload.name or "api")
    return {"token": raw, "expires_at": token.expires_at}


@router.get("/auth/tokens", response=list[TokenInfo], summary="My API tokens")
def list_tokens(request):
    return [_token_info(t) for t in queries.tokens_of(request.user)]


@router.delete("/auth/tokens/{token_id}", response=TokenInfo, summary="Revoke an API token")
def revoke_token(request, token_id: int):
    return _token_info(services.revoke_token(request.user, token_id))


def _token_info(token) -> dict:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "active": token.is_active,
    }


@router.get("/me", response=MeOut, summary="The signed-in user, role and scope")
def me(request):
    return queries.describe_user(request.user)


class UserOut(Schema):
    username: str
    full_name: str
    role: str
    division_code: str | None = Field(None, alias="division.code")
    department_code: str | None = Field(None, alias="department.code")
    is_active: bool


@router.get("/users/{username}", response=UserOut, summary="One user in my scope")
def user_detail(request, username: str):
    scope_of(request.user).require("users.view")
    return get_object_or_404(queries.users_visible_to(request.user), username=username)


@router.get("/users", response=list[UserOut], summary="Users in my scope")
@paginate(LimitOffsetPagination)
def user_list(request, q: str = ""):
    scope_of(request.user).require("users.view")
    rows = queries.users_visible_to(request.user)
    return queries.search_users(rows, q) if q else rows
