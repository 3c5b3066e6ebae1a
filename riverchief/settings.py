"""Django settings, all read from the environment variables named in contract.md."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from riverchief import config

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = config.data_dir()

DEBUG = config.env_flag("RIVERCHIEF_DEBUG", default=False)
SECRET_KEY = config.secret_key(DATA_DIR)
ALLOWED_HOSTS = config.allowed_hosts()

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "riverchief.core",
    "riverchief.registry",
    "riverchief.problems",
    "riverchief.notify",
    "riverchief.monitoring",
    "riverchief.patrols",
    "riverchief.ogcapi",
    "riverchief.portal",
    "riverchief.open311",
    "riverchief.signboards",
    "riverchief.sensorthings",
    "riverchief.accounts",
    "riverchief.web",
]

MIDDLEWARE = [
    "riverchief.core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "riverchief.accounts.middleware.SessionRefreshMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "riverchief.accounts.middleware.ForcePasswordChangeMiddleware",
]

ROOT_URLCONF = "riverchief.urls"
WSGI_APPLICATION = "riverchief.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "riverchief.web.context.site",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
DATABASE_URL = config.database_url(DATA_DIR)
# Persistent connections (per thread): a new SQLite connection costs three PRAGMAs per request.
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, the writers queued on a file lock: riverchief/core/sqlite3.
    DATABASES["default"]["ENGINE"] = "riverchief.core.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a writer takes the lock at BEGIN, so concurrent writers wait (on the file
        # lock, and `timeout` in SQLite's busy handler) instead of failing half-way with
        # "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
else:
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Each serving process keeps pages and figures it computed (kept under the id of the latest
# change they show: problems.pages.kept, the public reach pages). A province has thousands of
# reaches; Django's default of 300 entries would drop them as fast as they are kept.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}

# --- accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
LOGIN_LOCKOUT_FAILURES = int(os.environ.get("RIVERCHIEF_LOGIN_LOCKOUT_FAILURES", "10"))
LOGIN_LOCKOUT_WINDOW = timedelta(minutes=15)
LOGIN_LOCKOUT_DURATION = timedelta(minutes=15)
API_TOKEN_LIFETIME = timedelta(days=int(os.environ.get("RIVERCHIEF_API_TOKEN_DAYS", "30")))

# Sessions end after this much inactivity: a request pushes the expiry forward, at most once a
# minute (accounts.middleware.SessionRefreshMiddleware) so that reads are not all writes.
SESSION_COOKIE_AGE = 60 * int(os.environ.get("RIVERCHIEF_SESSION_IDLE_MINUTES", "120"))
SESSION_REFRESH_SECONDS = 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = False

# --- security -------------------------------------------------------------------------------
HTTPS = config.env_flag("RIVERCHIEF_HTTPS", default=False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 30
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("RIVERCHIEF_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

# --- language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "riverchief" / "locale"]
TIME_ZONE = os.environ.get("RIVERCHIEF_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_build"
NODE_MODULES = BASE_DIR / "node_modules"
# The front-end files we serve, picked one by one out of node_modules (installed from the npm
# registry with package-lock.json); echarts alone ships 46 MB we do not need.
VENDOR_FILES = {
    "vendor/htmx.min.js": "htmx.org/dist/htmx.min.js",
    "vendor/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "vendor/bootstrap.bundle.min.js": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "vendor/leaflet/leaflet.js": "leaflet/dist/leaflet.js",
    "vendor/leaflet/leaflet.css": "leaflet/dist/leaflet.css",
    "vendor/leaflet/images/layers.png": "leaflet/dist/images/layers.png",
    "vendor/leaflet/images/layers-2x.png": "leaflet/dist/images/layers-2x.png",
    "vendor/leaflet/images/marker-icon.png": "leaflet/dist/images/marker-icon.png",
    "vendor/leaflet/images/marker-icon-2x.png": "leaflet/dist/images/marker-icon-2x.png",
    "vendor/leaflet/images/marker-shadow.png": "leaflet/dist/images/marker-shadow.png",
    "vendor/echarts.min.js": "echarts/dist/echarts.min.js",
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "riverchief.core.staticfinders.VendorFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

# --- logging: one JSON object per line on stderr ----------------------------------------------
LOG_LEVEL = os.environ.get("RIVERCHIEF_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

RIVERCHIEF_SITE_NAME = _("River and Lake Chief Platform")

AUTHENTICATION_BACKENDS = ["riverchief.accounts.backends.ScopedModelBackend"]
NINJA_PAGINATION_MAX_LIMIT = 500
NINJA_PAGINATION_PER_PAGE = 50

# --- periodic work (riverchief sweep; the serving processes run it on this interval) ----------
# Problems: red card (挂牌督办) after N working days overdue, 通报 after M more.
RIVERCHIEF_ESCALATION_RED_AFTER_DAYS = int(
    os.environ.get("RIVERCHIEF_ESCALATION_RED_AFTER_DAYS", "3")
)
RIVERCHIEF_ESCALATION_NOTICE_AFTER_DAYS = int(
    os.environ.get("RIVERCHIEF_ESCALATION_NOTICE_AFTER_DAYS", "5")
)
# Seconds between two runs of every sweep task by the serving processes; 0 turns it off.
RIVERCHIEF_SWEEP_INTERVAL = int(os.environ.get("RIVERCHIEF_SWEEP_INTERVAL", "300"))

# --- e-mail for notifications: none unless RIVERCHIEF_EMAIL_HOST names an SMTP server ---------
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("RIVERCHIEF_EMAIL_HOST", "").strip()
EMAIL_PORT = int(os.environ.get("RIVERCHIEF_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("RIVERCHIEF_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("RIVERCHIEF_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = config.env_flag("RIVERCHIEF_EMAIL_USE_TLS", default=False)  # STARTTLS, port 587
EMAIL_USE_SSL = config.env_flag("RIVERCHIEF_EMAIL_USE_SSL", default=False)  # SMTPS, port 465
EMAIL_TIMEOUT = 5
DEFAULT_FROM_EMAIL = os.environ.get("RIVERCHIEF_EMAIL_FROM", "riverchief@localhost")
# The site's public address (e.g. https://hzz.example.gov.cn), for links in e-mail and robots.
RIVERCHIEF_SITE_URL = os.environ.get("RIVERCHIEF_SITE_URL", "").strip().rstrip("/")

# --- the one map: base tiles (WGS84/CGCS2000, e.g. 天地图 with a key); empty = no tiles ---------
RIVERCHIEF_MAP_TILE_URL = os.environ.get("RIVERCHIEF_MAP_TILE_URL", "")
RIVERCHIEF_MAP_TILE_SUBDOMAINS = os.environ.get("RIVERCHIEF_MAP_TILE_SUBDOMAINS", "abc")
RIVERCHIEF_MAP_TILE_ATTRIBUTION = os.environ.get("RIVERCHIEF_MAP_TILE_ATTRIBUTION", "")
RIVERCHIEF_MAP_LABEL_URL = os.environ.get("RIVERCHIEF_MAP_LABEL_URL", "")

# --- public site (portal) -------------------------------------------------------------------
# Reports an hour per IP and per device; proxies in front of the server whose X-Forwarded-For
# entries are trusted (0: use the socket's address, so a client cannot pick its own IP).
RIVERCHIEF_PORTAL_REPORTS_PER_HOUR = int(os.environ.get("RIVERCHIEF_PORTAL_REPORTS_PER_HOUR", "5"))
RIVERCHIEF_PROXY_COUNT = int(os.environ.get("RIVERCHIEF_PROXY_COUNT", "0"))

# --- Open311 GeoReport v2 and signboards ------------------------------------------------------
# The jurisdiction_id this endpoint answers to (e.g. jiangxian.gov.cn); empty: any, as the spec
# allows a single-jurisdiction endpoint. The contact shown by discovery.
RIVERCHIEF_OPEN311_JURISDICTION = os.environ.get("RIVERCHIEF_OPEN311_JURISDICTION", "").strip()
RIVERCHIEF_OPEN311_CONTACT = os.environ.get("RIVERCHIEF_OPEN311_CONTACT", "").strip()
# A TrueType CJK font (.ttf/.ttc) for signboard PDFs; empty: look in the usual places.
RIVERCHIEF_CJK_FONT = os.environ.get("RIVERCHIEF_CJK_FONT", "").strip()
# The hotline on a board without its own; days to replace a board after a chief change.
RIVERCHIEF_SIGNBOARD_HOTLINE = os.environ.get("RIVERCHIEF_SIGNBOARD_HOTLINE", "").strip()
RIVERCHIEF_SIGNBOARD_UPDATE_DAYS = int(os.environ.get("RIVERCHIEF_SIGNBOARD_UPDATE_DAYS", "15"))
