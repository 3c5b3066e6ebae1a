"""The interface speaks Chinese (zh-hans) by default and English on request.

The zh_Hans catalogue is riverchief/locale/zh_Hans/LC_MESSAGES/django.po; its compiled django.mo
is committed because a fresh machine may have no GNU gettext. After changing a translatable
string:

    RIVERCHIEF_DATA_DIR=/tmp/rc-i18n python -m django makemessages -l zh_Hans \\
        --settings=riverchief.settings -i ".venv/*" -i "node_modules/*" -i "tests/*" -i "bench/*"
    # translate the new entries, remove any fuzzy flag, then compile:
    python -c "import polib; p='riverchief/locale/zh_Hans/LC_MESSAGES/django'; \\
        polib.pofile(p + '.po').save_as_mofile(p + '.mo')"

Only the makemessages cross-check needs gettext; everything else runs on a bare machine.
"""

from __future__ import annotations

import ast
import io
import re
import shutil
import tokenize
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils.translation.template import templatize

from riverchief.accounts.models import User

PACKAGE = Path(__file__).resolve().parent.parent / "riverchief"
CATALOGUE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = CATALOGUE / "django.po"
MO_PATH = CATALOGUE / "django.mo"
RECOMPILE = (
    "recompile it: python -c \"import polib; p='riverchief/locale/zh_Hans/LC_MESSAGES/django'; "
    "polib.pofile(p + '.po').save_as_mofile(p + '.mo')\""
)
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[sdifeEgGxXocr%]")

# The keywords makemessages gives xgettext (its defaults for Python plus Django's own):
# name -> (context argument, singular argument, plural argument), None where there is none.
KEYWORDS: dict[str, tuple[int | None, int, int | None]] = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "ugettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "dgettext": (None, 1, None),
    "ngettext": (None, 0, 1),
    "ungettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "dngettext": (None, 1, 2),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}

Key = tuple[str, str, str]  # (msgctxt, msgid, msgid_plural), "" where absent


def _po() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def _key(entry) -> Key:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


# --- extraction without gettext: what xgettext finds in Python and in templatized templates ---


def _string_arguments(tokens: list[tokenize.TokenInfo], start: int) -> list[str | None]:
    """The arguments of the call whose "(" is tokens[start]: a string, or None if not a literal."""
    arguments: list[str | None] = []
    current: list[tokenize.TokenInfo] = []
    depth = 0
    skip = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}
    for token in tokens[start:]:
        if token.type in skip:
            continue
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
            if depth == 1:
                continue
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
            if depth == 0:
                break
        if depth == 1 and token.type == tokenize.OP and token.string == ",":
            arguments.append(_literal(current))
            current = []
            continue
        current.append(token)
    if current:
        arguments.append(_literal(current))
    return arguments


def _literal(tokens: list[tokenize.TokenInfo]) -> str | None:
    """Adjacent plain string literals, concatenated; None for anything else (f-strings too)."""
    if not tokens or any(t.type != tokenize.STRING for t in tokens):
        return None
    try:
        value = ast.literal_eval(" ".join(t.string for t in tokens))
    except (SyntaxError, ValueError):
        return None
    return value if isinstance(value, str) else None


def messages_in_code(source: str) -> set[Key]:
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(source).readline)
        if t.type not in (tokenize.NL, tokenize.COMMENT)
    ]
    found: set[Key] = set()
    for index, token in enumerate(tokens[:-1]):
        following = tokens[index + 1]
        if token.type != tokenize.NAME or token.string not in KEYWORDS:
            continue
        if following.type != tokenize.OP or following.string != "(":
            continue
        context_at, singular_at, plural_at = KEYWORDS[token.string]
        arguments = _string_arguments(tokens, index + 1)
        wanted = [at for at in (context_at, singular_at, plural_at) if at is not None]
        if len(arguments) <= max(wanted) or any(arguments[at] is None for at in wanted):
            continue
        context = arguments[context_at] if context_at is not None else ""
        plural = arguments[plural_at] if plural_at is not None else ""
        found.add((context or "", arguments[singular_at] or "", plural or ""))
    return found


def messages_in_source() -> dict[Key, list[str]]:
    """Every message riverchief/ marks for translation, with the files that use it."""
    found: dict[Key, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix not in (".py", ".html", ".txt") or "__pycache__" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            code = text
        else:
            # Indentation means nothing in templatize's output; dropping it keeps tokenize happy.
            code = "\n".join(
                line.lstrip() for line in templatize(text, origin=str(path)).split("\n")
            )
        for key in messages_in_code(code):
            found.setdefault(key, []).append(str(path.relative_to(PACKAGE.parent)))
    return found


# --- (a) the catalogue is complete, and the committed .mo is the compiled .po ------------------


def test_catalogue_header_is_chinese_with_one_plural_form():
    po = _po()
    assert not po.metadata_is_fuzzy, "remove the fuzzy flag from the header entry"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert "charset=UTF-8" in po.metadata["Content-Type"]


def test_every_entry_is_translated_and_not_fuzzy():
    po = _po()
    assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()]
    assert not po.untranslated_entries(), [e.msgid for e in po.untranslated_entries()]
    assert not po.obsolete_entries(), "delete the obsolete (#~) entries"
    for entry in po:
        if entry.msgid_plural:
            # zh has one plural form: exactly msgstr[0].
            assert list(entry.msgstr_plural) == [0], entry.msgid
            assert entry.msgstr_plural[0].strip(), entry.msgid


def test_translations_keep_the_placeholders():
    for entry in _po():
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            wanted = PLACEHOLDER.findall(entry.msgid_plural or entry.msgid)
            assert sorted(PLACEHOLDER.findall(translation)) == sorted(wanted), entry.msgid


def _catalogue(entries, metadata) -> dict:
    rows = {
        _key(e): tuple(sorted(e.msgstr_plural.items())) if e.msgid_plural else e.msgstr
        for e in entries
    }
    rows["Plural-Forms"] = metadata.get("Plural-Forms")
    return rows


def test_committed_mo_is_the_compiled_po():
    assert MO_PATH.is_file(), f"{MO_PATH} is missing; {RECOMPILE}"
    po = _po()
    compiled = polib.mofile(str(MO_PATH))
    # Compared entry by entry, not byte by byte, so that another polib or msgfmt may compile it.
    expected = _catalogue(po.translated_entries(), po.metadata)
    assert _catalogue(compiled, compiled.metadata) == expected, f"django.mo is stale; {RECOMPILE}"


# --- (b) every message in the source is in the catalogue --------------------------------------


def test_every_message_in_the_source_is_in_the_catalogue():
    in_source = messages_in_source()
    in_po = {_key(entry) for entry in _po()}
    missing = {key: files for key, files in in_source.items() if key not in in_po}
    assert not missing, f"not in django.po (run makemessages, then translate): {missing}"
    stale = in_po - set(in_source)
    assert not stale, f"in django.po but no longer in the source (run makemessages): {stale}"


def test_the_extractor_sees_every_kind_of_marking():
    template = (
        '{% load i18n %}{% trans "Plain" %}{% translate "Ctx" context "menu" %}'
        "{% blocktrans count counter=n %}{{ counter }} one{% plural %}{{ counter }} many"
        '{% endblocktrans %}{{ x|default:_("Filter") }}'
    )
    assert messages_in_code(templatize(template)) == {
        ("", "Plain", ""),
        ("menu", "Ctx", ""),
        ("", "%(counter)s one", "%(counter)s many"),
        ("", "Filter", ""),
    }
    python = (
        "a = _('x' 'y')\nb = ngettext_lazy('one', 'many', n)\n"
        "c = pgettext_lazy('ctx', 'word')\nd = _(f'no {a}')\ne = gettext(name)\n"
    )
    assert messages_in_code(python) == {
        ("", "xy", ""),
        ("", "one", "many"),
        ("ctx", "word", ""),
    }


@pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("xgettext", "msguniq", "msgmerge", "msgattrib")),
    reason="GNU gettext is not installed (apt-get install gettext); this cross-check needs it, "
    "the pure-Python check above runs anyway",
)
def test_makemessages_finds_the_same_messages(tmp_path, monkeypatch):
    """makemessages on a copy of riverchief/ agrees with the catalogue and with our extractor."""
    copy = tmp_path / "riverchief"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("locale", "__pycache__"))
    (copy / "locale").mkdir()
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command("makemessages", locale=["zh_Hans"], verbosity=0)
    generated = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    found = {_key(entry) for entry in generated}
    assert found == {_key(entry) for entry in _po()}
    assert found == set(messages_in_source())


# --- (c) pages: Chinese by default, English after switching -----------------------------------


def _switch_to_english(client, next_url: str) -> None:
    answer = client.post("/i18n/setlang/", {"language": "en", "next": next_url})
    assert answer.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_login_page_is_chinese_by_default_and_english_after_switching(db, client):
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-hans"' in page
    assert "登录" in page
    assert "用户名" in page
    assert "Sign in" not in page
    assert "演示数据" in page

    _switch_to_english(client, "/accounts/login/")
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in page
    assert "Sign in" in page
    assert "Username" in page
    assert "登录" not in page
    assert "演示数据" in page  # the demo label stays Chinese in both languages


def test_browser_language_header_is_honoured(db, client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Sign in" in page


def test_wrong_password_on_the_login_page_is_chinese(db, client):
    answer = client.post(
        "/accounts/login/", {"username": "chief_hengshui", "password": "not-the-password"}
    )
    assert answer.status_code == 200
    assert "用户名或密码错误。" in answer.content.decode()


def test_home_page_in_both_languages(db, client):
    client.force_login(User.objects.get(username="chief_hengshui"))
    page = client.get("/").content.decode()
    for text in (
        "欢迎，赵横（演示）",
        "我的责任范围",
        "管辖范围",
        "角色",
        "河湖长",
        "首页",
        "行政区划",
        "退出登录",
        "修改密码",
        "API 令牌",
        "河湖长制综合管理平台",
        "横水镇（乡镇）：您的管辖范围内共有",
    ):
        assert text in page, text

    _switch_to_english(client, "/")
    page = client.get("/").content.decode()
    for text in (
        "Welcome, 赵横（演示）",
        "What you are responsible for",
        "River or lake chief",
        "Sign out",
        "River and Lake Chief Platform",
        "横水镇 (township) and the divisions below it:",
    ):
        assert text in page, text


def test_office_pages_are_chinese(db, client):
    client.force_login(User.objects.get(username="admin"))
    divisions = client.get("/divisions/").content.decode()
    for text in ("全部级别", "乡镇", "村", "名称或代码", "查询", "条"):
        assert text in divisions, text
    users = client.get("/users/").content.decode()
    for text in ("姓名", "用户名、姓名或电话", "河长办", "巡河员/保洁员", "部门人员"):
        assert text in users, text
    audit = client.get("/audit/").content.decode()
    for text in ("审计日志", "操作人", "变更前", "变更后"):
        assert text in audit, text


def test_django_own_translations_still_apply(db, client):
    client.force_login(User.objects.get(username="chief_hengshui"))
    page = client.get("/accounts/password/").content.decode()
    assert "旧密码" in page  # from Django's own zh_Hans catalogue, not ours


def test_not_found_page_is_chinese(db, client):
    client.force_login(User.objects.get(username="chief_hengshui"))
    answer = client.get("/divisions/999999/")
    assert answer.status_code == 404
    assert "页面不存在" in answer.content.decode()


# --- (d) API errors carry both languages ------------------------------------------------------


@pytest.mark.parametrize("accept_language", [None, "en", "zh-hans"])
def test_api_error_has_chinese_and_english_messages(db, client, accept_language):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    answer = client.post(
        "/api/v1/auth/token",
        {"username": "chief_hengshui", "password": "not-the-password"},
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 401
    assert answer["Content-Type"].startswith("application/json")
    body = answer.json()
    assert body["code"] == "invalid_credentials"
    assert body["message"] == "用户名或密码错误。"
    assert body["message_en"] == "Wrong username or password."


def test_api_unauthenticated_error_in_both_languages(db, client):
    body = client.get("/api/v1/me").json()
    assert body["message"] == "请先登录，或提供有效且未过期的 API 令牌。"
    assert body["message_en"] == "Sign in or send a valid, unexpired API token."
