"""Keep django-celery-beat in step with Schedule rows on every save and delete."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from routing.models import Schedule
from routing.schedules.beat_sync import schedule_remove_from_beat, schedule_sync_to_beat


@receiver(post_save, sender=Schedule, dispatch_uid="schedule_sync_to_beat")
def _schedule_saved(sender: type[Schedule], instance: Schedule, **kwargs: object) -> None:
    schedule_sync_to_beat(instance)


@receiver(post_delete, sender=Schedule, dispatch_uid="schedule_remove_from_beat")
def _schedule_deleted(sender: type[Schedule], instance: Schedule, **kwargs: object) -> None:
    schedule_remove_from_beat(instance)
