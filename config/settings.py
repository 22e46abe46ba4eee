"""Tradepost settings, read from the environment.

Safe by default: DEBUG is off and SECRET_KEY is required unless TRADEPOST_DEV=1
(set by `make demo` and by the test suite).
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TRADEPOST_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEV = env_bool("TRADEPOST_DEV", False)
DEBUG = env_bool("DEBUG", DEV)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEV:
        raise ImproperlyConfigured("SECRET_KEY must be set (or TRADEPOST_DEV=1 for a local demo).")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEV else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "ninja",
    "tradepost.core",
    "tradepost.policies",
    "tradepost.accounts",
    "tradepost.catalog",
    "tradepost.cart",
    "tradepost.orders",
    "tradepost.payments",
    "tradepost.shipping",
    "tradepost.invoices",
    "tradepost.promotions",
    "tradepost.aftersales",
    "tradepost.memberships",
    "tradepost.quotes",
    "tradepost.reviews",
    "tradepost.notifications",
    "tradepost.support",
    "tradepost.api",
    "tradepost.storefront",
    "tradepost.backoffice",
    "tradepost.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tradepost.api.middleware.ApiProblemMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tradepost.accounts.middleware.AgreementRequiredMiddleware",
    "tradepost.storefront.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tradepost.storefront.context_processors.store",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------
# Embedded default: SQLite in var/, WAL, busy timeout, IMMEDIATE transactions so
# writers queue on the lock instead of failing on upgrade. Production: DATABASE_URL.
SQLITE_PATH = VAR_DIR / "tradepost.sqlite3"
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        # Values sent apart from the statement (planned with them, as literals would be), so that the
        # lookups by key that run on every request can be prepared: see core.prepared.server_prepared().
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # Keep each worker's connection: opening one (functions, PRAGMAs) costs more than most pages.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PostgreSQL: lookups by key are prepared on each connection (core.prepared.server_prepared). Off for a
# pooler that can't keep prepared statements (PgBouncer before 1.21 in transaction mode).
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)

# --- Cache (rate limits, facet counts, catalog pages) -------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared by every worker process of the embedded install.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            # Culling lists the directory on every write past this: enough pages for a busy catalog.
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
# Catalog pages (index, category, product) from the cache above: whole for visitors without a session,
# in a frame rendered per request for everyone else but staff (storefront/pagecache.py). Off: every page
# is rendered.
STOREFRONT_PAGE_CACHE = env_bool("STOREFRONT_PAGE_CACHE", True)

# --- Celery ------------------------------------------------------------------
# With a broker, tasks go to workers; without one (embedded default) they run in-process.
CELERY_BROKER_URL = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not bool(REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "expire-unpaid-orders": {"task": "tradepost.orders.tasks.expire_unpaid_orders", "schedule": 15 * 60},
    "complete-delivered-orders": {
        "task": "tradepost.orders.tasks.complete_delivered_orders",
        "schedule": 60 * 60,
    },
    "send-due-notifications": {
        "task": "tradepost.notifications.tasks.send_due_notifications",
        "schedule": 60,
    },
    "notify-expiring-quotations": {
        "task": "tradepost.quotes.tasks.notify_expiring_quotations",
        "schedule": 15 * 60,
    },
}

# --- Auth ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's model backend, reading the current agreement and policy versions with the user, in one prepared
# query (accounts/backends.py).
AUTHENTICATION_BACKENDS = ["tradepost.accounts.backends.Backend"]
LOGIN_URL = "storefront:login"
LOGIN_REDIRECT_URL = "storefront:account"
LOGOUT_REDIRECT_URL = "storefront:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

# Throttles: (attempts, window seconds).
THROTTLE_LOGIN_PER_ACCOUNT = (env_int("THROTTLE_LOGIN_PER_ACCOUNT", 5), 15 * 60)
THROTTLE_LOGIN_PER_IP = (env_int("THROTTLE_LOGIN_PER_IP", 30), 15 * 60)
THROTTLE_RESET_PER_ACCOUNT = (env_int("THROTTLE_RESET_PER_ACCOUNT", 3), 60 * 60)
THROTTLE_RESET_PER_IP = (env_int("THROTTLE_RESET_PER_IP", 10), 60 * 60)
THROTTLE_COUPON_CODE_PER_ACCOUNT = (env_int("THROTTLE_COUPON_CODE_PER_ACCOUNT", 10), 15 * 60)
THROTTLE_COUPON_CODE_PER_IP = (env_int("THROTTLE_COUPON_CODE_PER_IP", 30), 15 * 60)
THROTTLE_RMA_LOOKUP_PER_ORDER = (env_int("THROTTLE_RMA_LOOKUP_PER_ORDER", 5), 15 * 60)
THROTTLE_RMA_LOOKUP_PER_IP = (env_int("THROTTLE_RMA_LOOKUP_PER_IP", 20), 15 * 60)
# Behind a proxy, how many X-Forwarded-For hops to trust for the client IP.
NUM_PROXIES = env_int("NUM_PROXIES", 0)

# --- i18n / time -----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static / media --------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Email -----------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEV
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tradepost <no-reply@tradepost.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in emails and in provider redirects (PayPal return URLs).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# --- Security --------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache, written to both it and the database: a signed-in page reads its session
# without a query, and a session the cache dropped is read from the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)

# --- Store -----------------------------------------------------------------
# Which preset `make demo` / `tradepost demo` loads when no policy is active yet.
STORE_PRESET = env_str("STORE_PRESET", "components")
# The seller's postal address printed on commercial invoices, lines separated by ";" (the policy's
# warehouse country is printed after it).
STORE_ADDRESS = env_str("STORE_ADDRESS", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- PayPal ------------------------------------------------------------------
# REST credentials of the PayPal app; payments by PayPal and card stay unavailable while they are empty.
PAYPAL_API_BASE = env_str("PAYPAL_API_BASE", "https://api-m.sandbox.paypal.com")
PAYPAL_CLIENT_ID = env_str("PAYPAL_CLIENT_ID", "")
PAYPAL_CLIENT_SECRET = env_str("PAYPAL_CLIENT_SECRET", "")
# The id PayPal gave the webhook subscription; it is part of every signed webhook message.
PAYPAL_WEBHOOK_ID = env_str("PAYPAL_WEBHOOK_ID", "")
PAYPAL_TIMEOUT_SECONDS = env_int("PAYPAL_TIMEOUT_SECONDS", 10)
