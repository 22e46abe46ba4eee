"""Celery app. With REDIS_URL set, tasks go to a worker; otherwise they run in-process (eager)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tradepost")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
