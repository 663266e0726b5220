"""A model with exactly one row (gateway settings, provider fallback)."""

from __future__ import annotations

from typing import Self

from django.db import models


class SingletonModel(models.Model):
    """Always row 1: `load()` creates it with defaults on first use, so readers never see "no settings"."""

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> Self:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj
