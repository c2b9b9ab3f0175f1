"""The Celery application: Redis broker, JSON only, time limits from settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carm.settings")

app = Celery("carm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
