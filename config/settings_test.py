"""Test settings: the real settings, with a separate var/ folder (its own filesystem
broker, so a running `make run` worker never takes a test's messages), fast hashing,
e-mail in memory and Celery eager. Tests that need the real worker or a real SMTP
server switch those back on explicitly."""

import os
from pathlib import Path

os.environ.setdefault("ASSURA_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
