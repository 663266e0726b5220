"""Admin for the gateway settings and the message log (ChannelInstance's admin lives in routing.admin, beside its
routing rules inline)."""

from __future__ import annotations
