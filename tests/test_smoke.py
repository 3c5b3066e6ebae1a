def test_demo_accounts_sign_in_with_the_contract_scopes(db, client):
    expected = {
        "admin": ("office", "140826"),
        "leader": ("leader", "140826"),
        "chief_sushui": ("chief", "140826"),
        "chief_hengshui": ("chief", "140826101"),
        "chief_dongliujia": ("chief", "140826101201"),
        "patroller_dongliujia": ("patroller", "140826101201"),
        "dept_water": ("department", "140826"),
    }
    for username, (role, code) in expected.items():
        answer = client.post(
            "/api/v1/auth/token",
            {"username": username, "password": "riverchief-demo"},
            content_type="application/json",
        )
        assert answer.status_code == 200, username
        token = answer.json()["token"]
        me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
        assert me["role"] == role
        assert me["scope"]["division_code"] == code
