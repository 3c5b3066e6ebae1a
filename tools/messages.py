"""Update the zh_Hans catalogue: extract new strings, fill translations, compile the .mo.

    .venv/bin/python tools/messages.py [TRANSLATIONS.json ...]

Each JSON file maps an English msgid to its Chinese msgstr (for plurals, a list of forms); a
msgid with a context (pgettext) is keyed "context\u0004msgid".
The run holds an exclusive lock on the catalogue, so two people (or two agents) updating it at
once do not overwrite each other's entries. Afterwards it lists the msgids still untranslated;
the exit status is 1 while any remain.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "riverchief" / "locale" / "zh_Hans" / "LC_MESSAGES"
IGNORED = [
    ".venv/*",
    "node_modules/*",
    "tests/*",
    "bench/*",
    "static_build/*",
    "tools/*",
    "riverchief.egg-info/*",
    "var/*",
]


def extract() -> None:
    env = dict(
        os.environ,
        RIVERCHIEF_DATA_DIR=tempfile.mkdtemp(prefix="rc-i18n-"),
        RIVERCHIEF_DATABASE_URL="",
    )
    args = [
        sys.executable,
        "-m",
        "django",
        "makemessages",
        "-l",
        "zh_Hans",
        "--no-obsolete",
        "--settings=riverchief.settings",
    ]
    for pattern in IGNORED:
        args += ["-i", pattern]
    subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def fill(po: polib.POFile, translations: dict[str, object]) -> None:
    for entry in po:
        # An entry with a context (pgettext) is filled only by a key "context\x04msgid", so
        # one app's "Closed" never overwrites another's "Closed" in the context "problem state".
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if key not in translations:
            continue
        value = translations[key]
        if entry.msgid_plural:
            forms = value if isinstance(value, list) else [value]
            entry.msgstr_plural = dict(enumerate(str(form) for form in forms))
        else:
            entry.msgstr = str(value)
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")


def main(paths: list[str]) -> int:
    translations: dict[str, object] = {}
    for path in paths:
        translations.update(json.loads(Path(path).read_text(encoding="utf-8")))
    with open(CATALOGUE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        extract()
        po = polib.pofile(str(CATALOGUE / "django.po"))
        fill(po, translations)
        # A fuzzy guess from makemessages is not a translation: clear it so it is listed below.
        for entry in po:
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
                entry.msgstr = ""
                entry.msgstr_plural = {k: "" for k in entry.msgstr_plural}
        po.save()
        po.save_as_mofile(str(CATALOGUE / "django.mo"))
    missing = [e.msgid for e in po if not e.translated() and not e.obsolete]
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
