"""One env-driven settings module. Every knob is an environment variable listed in README.md."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

from terakoya.core.email_url import email_settings_from_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TERAKOYA_DATA_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


TESTING = "pytest" in sys.modules or env_bool("TERAKOYA_TESTING")
DEBUG = env_bool("TERAKOYA_DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-only-for-debug-and-tests-0123456789abcdef"  # noqa: S105
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SECRET_KEY is not set: set SECRET_KEY to a long random string "
            "(or TERAKOYA_DEBUG=1 for development; see README.md, Configuration)."
        )

# Where the default workspace and the staff dashboard answer (scheme, host and port).
TERAKOYA_BASE_URL = os.environ.get("TERAKOYA_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_base = urlsplit(TERAKOYA_BASE_URL)
TERAKOYA_PUBLIC_SCHEME = _base.scheme or "http"
TERAKOYA_BASE_HOST = (_base.hostname or "127.0.0.1").lower()
TERAKOYA_BASE_PORT = _base.port
# Workspaces answer on <slug>.<TERAKOYA_BASE_DOMAIN> (and on their custom domain).
TERAKOYA_BASE_DOMAIN = os.environ.get("TERAKOYA_BASE_DOMAIN", "localhost").lower().strip(".")
# Hosts that serve the default workspace and the dashboard.
TERAKOYA_BASE_HOSTS = sorted(
    {TERAKOYA_BASE_HOST, TERAKOYA_BASE_DOMAIN}
    | ({"127.0.0.1", "localhost", "[::1]", "testserver"} if (DEBUG or TESTING) else set())
    | {
        h.strip().lower()
        for h in os.environ.get("TERAKOYA_EXTRA_HOSTS", "").split(",")
        if h.strip()
    }
)
TERAKOYA_DEFAULT_WORKSPACE = os.environ.get("TERAKOYA_DEFAULT_WORKSPACE", "")

# Base hosts and workspace subdomains are static; custom domains come from the database
# (terakoya.workspaces.hosts.AllowedHosts reads them, cached).
from terakoya.workspaces.hosts import AllowedHosts  # noqa: E402

ALLOWED_HOSTS = AllowedHosts([*TERAKOYA_BASE_HOSTS, f".{TERAKOYA_BASE_DOMAIN}"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "terakoya.core",
    "terakoya.workspaces",
    "terakoya.staff",
    "terakoya.activity",
    "terakoya.mail",
    "terakoya.contacts",
    "terakoya.contacts.imports",
    "terakoya.contacts.merge",
    "terakoya.catalog",
    "terakoya.accounts",
    "terakoya.dashboard",
    "terakoya.portal",
    "terakoya.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "terakoya.workspaces.middleware.WorkspaceHostMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "terakoya.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "terakoya.urls"
WSGI_APPLICATION = "terakoya.wsgi.application"
ASGI_APPLICATION = "terakoya.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "terakoya" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "terakoya.workspaces.context_processors.workspace",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'terakoya.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE avoids "database is locked" upgrades from read to write transactions.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
            "PRAGMA cache_size=-64000;"
        ),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("TERAKOYA_DB_CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, rate limits, channel layer -------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and TESTING and os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    # Each parallel test process gets its own Redis database, counted up from the one in
    # REDIS_URL (so REDIS_URL=redis://…/8 gives workers 8, 9, …), so clearing one never
    # disturbs another or a database outside the range given.
    _redis = urlsplit(REDIS_URL)
    _base_db = int(_redis.path.strip("/") or 0)
    _worker_db = _base_db + int(os.environ["PYTEST_XDIST_WORKER"][2:])
    REDIS_URL = _redis._replace(path=f"/{_worker_db}").geturl()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "terakoya",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Background jobs --------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TERAKOYA_TASK_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        ),
        "QUEUES": [],
    }
}
if TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
    TASKS["default"].pop("QUEUES")

# --- Email ------------------------------------------------------------------------------------
EMAIL_URL = os.environ.get("EMAIL_URL", "console:" if (DEBUG or not TESTING) else "locmem:")
globals().update(email_settings_from_url(EMAIL_URL))
if TESTING and "EMAIL_URL" not in os.environ:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Terakoya <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Customer login codes by SMS: console: | file:///dir | locmem: | twilio://SID:TOKEN@?from=+81…
SMS_URL = os.environ.get("SMS_URL", "locmem:" if TESTING else "console:")
SMS_TWILIO_BASE_URL = os.environ.get("SMS_TWILIO_BASE_URL", "https://api.twilio.com")
TERAKOYA_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("TERAKOYA_OUTBOX_MAX_ATTEMPTS", "8"))

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "staff.User"
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "dashboard:index"
LOGOUT_REDIRECT_URL = "staff:login"
PASSWORD_HASHERS = [
    "terakoya.core.hashers.TunedArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING and not env_bool("TERAKOYA_REAL_HASHER"):
    # Keeps the suite fast; the security tests that need argon2 ask for it explicitly.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "terakoya.core.validators.MaximumLengthValidator"},
]

# --- Sessions and security --------------------------------------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_NAME = "terakoya_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
CSRF_COOKIE_NAME = "terakoya_csrftoken"
SECURE_SSL = TERAKOYA_PUBLIC_SCHEME == "https" and not DEBUG
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SECURE_SSL_REDIRECT = SECURE_SSL and env_bool("TERAKOYA_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For is believed when
# finding a client's IP for rate limits and logs (terakoya.core.client_ip). None by default.
TERAKOYA_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("TERAKOYA_TRUSTED_PROXIES", "").split(",") if p.strip()
]
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if SECURE_SSL else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
SECURE_HSTS_PRELOAD = SECURE_SSL
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
    }
}

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LANGUAGE_COOKIE_NAME = "terakoya_language"
LOCALE_PATHS = [BASE_DIR / "terakoya" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "terakoya" / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Public files only (workspace logos), served under MEDIA_URL from these folders of MEDIA_ROOT.
MEDIA_URL = "/media/public/"
MEDIA_ROOT = Path(os.environ.get("TERAKOYA_MEDIA_ROOT", VAR_DIR / "media"))
TERAKOYA_PUBLIC_MEDIA_DIRS = ("logos",)
# Private uploads (imports, downloads, attachments): never served by URL, only through views
# that check workspace and role (terakoya/core/private_files.py).
TERAKOYA_PRIVATE_ROOT = Path(os.environ.get("TERAKOYA_PRIVATE_ROOT", VAR_DIR / "private"))
# "nginx" (X-Accel-Redirect) or "apache" (X-Sendfile): the web server sends protected files.
TERAKOYA_SENDFILE = os.environ.get("TERAKOYA_SENDFILE", "").strip().lower()
if TERAKOYA_SENDFILE not in ("", "nginx", "apache"):
    raise RuntimeError("TERAKOYA_SENDFILE must be empty, 'nginx' or 'apache' (see README.md).")
TERAKOYA_SENDFILE_PREFIX = os.environ.get("TERAKOYA_SENDFILE_PREFIX", "/protected/")
STORAGES = {
    # The default is private: a file field that names no storage is never public.
    "default": {"BACKEND": "terakoya.core.private_files.PrivateStorage"},
    "private": {"BACKEND": "terakoya.core.private_files.PrivateStorage"},
    "public": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not (DEBUG or TESTING)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TERAKOYA_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django_tasks_db": {"level": "WARNING"},
    },
}
