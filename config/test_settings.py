"""Settings for the test suite: the real settings with development defaults and a fast hasher."""

import os

os.environ.setdefault("TRADEPOST_DEV", "1")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from config.settings import *  # noqa: F403
from config.settings import VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = VAR_DIR / "test-media"

# Separate test databases for test runs that happen at the same time (two checkouts, two terminals):
# TRADEPOST_TEST_DB=alice gives var/test-alice.sqlite3 and test_tradepost_alice on PostgreSQL.
_suffix = os.environ.get("TRADEPOST_TEST_DB", "")
if _suffix:
    _default = DATABASES["default"]  # noqa: F405
    if _default["ENGINE"] == "django.db.backends.sqlite3":
        _default["TEST"] = {"NAME": str(VAR_DIR / f"test-{_suffix}.sqlite3")}
    else:
        _default["TEST"] = {"NAME": f"test_{_default['NAME']}_{_suffix}"}
