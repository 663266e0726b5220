"""The Celery application takes its configuration from the CELERY_* Django settings (gatewaysite/celery.py)."""

from __future__ import annotations

from django.conf import settings

from gatewaysite.celery import DjangoCelerySettings, app


def test_celery_reads_the_celery_settings_of_django() -> None:
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.task_default_queue == settings.CELERY_TASK_DEFAULT_QUEUE
    assert app.conf.task_acks_late is True and app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    assert app.conf.result_backend is None


def test_the_copy_holds_every_celery_setting_and_nothing_else() -> None:
    copied = dict(DjangoCelerySettings())
    assert copied == {name: getattr(settings, name) for name in dir(settings) if name.startswith("CELERY_")}
    assert "SECRET_KEY" not in copied and "DATABASES" not in copied


def test_a_change_through_app_conf_still_wins() -> None:
    before = app.conf.task_always_eager
    app.conf.task_always_eager = not before
    try:
        assert app.conf.task_always_eager is (not before)
    finally:
        app.conf.task_always_eager = before
