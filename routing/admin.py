"""Admin for channel instances (with their routing rules inline), schedules and sessions."""

from __future__ import annotations
