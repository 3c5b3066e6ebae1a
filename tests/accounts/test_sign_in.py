"""Sign-in through the page and the API: errors, lockout, forced password change, tokens."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from riverchief.accounts import services
from riverchief.accounts.models import ApiToken, LoginFailure, User
from riverchief.core.models import AuditEntry

PASSWORD = "riverchief-demo"


def sign_in_page(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_wrong_password_and_unknown_user_get_the_same_form_error(db, client):
    wrong_password = sign_in_page(client, "chief_hengshui", "nope-nope-nope")
    unknown_user = sign_in_page(client, "nobody_at_all", "nope-nope-nope")
    assert wrong_password.status_code == unknown_user.status_code == 200
    first = wrong_password.context["form"].non_field_errors()
    second = unknown_user.context["form"].non_field_errors()
    assert first == second and len(first) == 1


def test_a_good_password_signs_in_and_lands_on_home(db, client):
    answer = sign_in_page(client, "chief_hengshui", PASSWORD)
    assert answer.status_code == 302 and answer.url == "/"
    assert client.get("/").status_code == 200


def test_ten_failures_lock_the_account_for_fifteen_minutes_even_with_the_right_password(db, client):
    for _ in range(10):
        sign_in_page(client, "chief_hengshui", "wrong-wrong-wrong")
    locked = sign_in_page(client, "chief_hengshui", PASSWORD)
    assert locked.status_code == 200  # the form again, with the lockout message
    assert "_auth_user_id" not in client.session
    api = client.post(
        "/api/v1/auth/token",
        {"username": "chief_hengshui", "password": PASSWORD},
        content_type="application/json",
    )
    assert api.status_code == 429 and api.json()["code"] == "account_locked"
    assert AuditEntry.objects.filter(action="account_locked", object_id="chief_hengshui").exists()
    # Another account is not affected.
    assert sign_in_page(client, "chief_dongliujia", PASSWORD).status_code == 302
    # Fifteen minutes after the last failure the lock is gone.
    LoginFailure.objects.filter(username="chief_hengshui").update(
        at=timezone.now() - settings.LOGIN_LOCKOUT_DURATION - timedelta(seconds=1)
    )
    assert sign_in_page(client, "chief_hengshui", PASSWORD).status_code == 302


def test_a_generated_password_must_be_changed_before_anything_else(db, client):
    admin = User.objects.get(username="admin")
    from riverchief.registry.models import Division

    user, password = services.create_user(
        admin,
        username="new_village_chief",
        role="chief",
        division=Division.objects.get(code="140826101202"),
    )
    assert password and user.must_change_password
    assert sign_in_page(client, "new_village_chief", password).status_code == 302
    assert client.get("/").url == "/accounts/password/"
    assert client.get("/divisions/").url == "/accounts/password/"
    changed = client.post(
        "/accounts/password/",
        {
            "old_password": password,
            "new_password1": "a-much-better-pass-2026",
            "new_password2": "a-much-better-pass-2026",
        },
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password
    entry = AuditEntry.objects.filter(action="password_changed", object_id=str(user.pk)).get()
    assert entry.before == {"must_change_password": True}
    assert "password" not in (entry.after or {})


def test_an_office_admin_cannot_create_users_outside_the_county(db):
    from riverchief.core.errors import Forbidden
    from riverchief.registry.models import Division

    admin = User.objects.get(username="admin")
    with pytest.raises(Forbidden):
        services.create_user(
            admin,
            username="intruder",
            role="chief",
            division=Division.objects.get(code="140827100000"),
        )
    assert not User.objects.filter(username="intruder").exists()


def test_sessions_expire_after_inactivity_and_activity_extends_them(db, client):
    from django.contrib.sessions.models import Session

    sign_in_page(client, "chief_hengshui", PASSWORD)
    client.get("/")
    key = client.session.session_key
    # Pretend the session was last refreshed two minutes ago and is about to run out.
    session = client.session
    session["_refreshed_at"] -= 120
    session.save()
    soon = timezone.now() + timedelta(seconds=30)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    assert client.get("/").status_code == 200
    expiry = Session.objects.get(session_key=key).expire_date
    expected = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((expiry - expected).total_seconds()) < 5
    # Once expired, the next request is sent to sign in.
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert client.get("/").status_code == 302


def test_a_request_within_the_refresh_minute_writes_no_session(db, client):
    from django.contrib.sessions.models import Session

    sign_in_page(client, "chief_hengshui", PASSWORD)
    client.get("/")
    key = client.session.session_key
    before = Session.objects.get(session_key=key).expire_date
    client.get("/")
    assert Session.objects.get(session_key=key).expire_date == before


def test_fast_user_count_equals_the_scoped_query(db):
    from riverchief.accounts import queries

    for username in ("admin", "leader", "out_office", "sysadmin", "chief_hengshui", "dept_water"):
        viewer = User.objects.get(username=username)
        expected = queries.users_visible_to(viewer).count()
        assert queries.count_users_visible_to(viewer) == expected, username


# --- API tokens -------------------------------------------------------------------------------


def token(client, username="chief_hengshui", password=PASSWORD):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )


def test_token_round_trip_and_revocation(db, client):
    answer = token(client)
    assert answer.status_code == 200
    raw = answer.json()["token"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    me = client.get("/api/v1/me", **headers).json()
    assert me["username"] == "chief_hengshui"
    assert me["scope"]["division_code"] == "140826101"
    listed = client.get("/api/v1/auth/tokens", **headers).json()
    assert len(listed) == 1 and listed[0]["active"] and raw.startswith(listed[0]["prefix"])
    assert raw not in str(listed)
    revoked = client.delete(f"/api/v1/auth/tokens/{listed[0]['id']}", **headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    after = client.get("/api/v1/me", **headers)
    assert after.status_code == 401 and after.json()["code"] == "unauthorized"


def test_only_a_digest_of_the_token_is_stored(db, client):
    raw = token(client).json()["token"]
    stored = ApiToken.objects.get()
    assert raw not in {stored.key_digest, stored.prefix, stored.name}


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer not-a-token",
        "Token abc",
        "Bearer " + "x" * 500,
        "Basic Zm9vOmJhcg==",
    ],
)
def test_malformed_tokens_get_401_json(db, client, header):
    answer = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert answer.status_code == 401
    assert {"code", "message", "message_en"} <= answer.json().keys()


def test_an_expired_token_gets_401(db, client):
    raw = token(client).json()["token"]
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_bad_password_gets_401_json_that_does_not_say_which_part(db, client):
    bad_password = token(client, password="wrong-wrong-wrong").json()
    unknown_user = token(client, username="nobody_at_all").json()
    assert bad_password == unknown_user
    assert bad_password["code"] == "invalid_credentials"
    assert bad_password["message_en"] == "Wrong username or password."


def test_a_token_request_with_a_missing_field_names_the_field(db, client):
    answer = client.post("/api/v1/auth/token", {"username": "x"}, content_type="application/json")
    assert answer.status_code == 422
    assert answer.json()["field"] == "password"


def test_a_deactivated_users_token_stops_working(db, client):
    raw = token(client).json()["token"]
    User.objects.filter(username="chief_hengshui").update(is_active=False)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_weak_new_password_is_refused_in_both_languages(db):
    from riverchief.core.errors import DomainError, in_both_languages

    user = User.objects.get(username="chief_hengshui")
    with pytest.raises(DomainError) as refused:
        services.change_password(user, "1234567890")
    zh, en = in_both_languages(refused.value.message)
    assert refused.value.field == "new_password1"
    assert "This password is too common." in en and "entirely numeric" in en
    assert "这个密码太常见了" in zh and "密码只包含数字" in zh
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
