"""The Django-side Celery app: queues ``cpu`` (validation, synthesis, judging, snapshots)
and ``events`` (progress events from GPU workers into the database).

Start a worker with ``celery -A webapp.celery_app worker -Q cpu,events``. The GPU side runs
its own app (``training_worker.celery_app``) on the same broker.
"""

from __future__ import annotations

from celery import Celery

from training_worker import kombu_patch
from webapp.boot import load_settings_or_exit

load_settings_or_exit()
# A worker must survive losing Redis with tasks unacknowledged (kombu 5.7.0 bug; see there).
kombu_patch.install()

app = Celery("atomlab")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
