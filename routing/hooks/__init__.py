"""Inbound trigger hooks: `POST /hooks/<path>` runs an agent on a JSON payload and delivers the answer to a channel.

The door PraisonAI's `hooks:` (and `praisonai gateway hooks add`) describes: authenticated, deduplicated by an
idempotency key, the message rendered from the payload, the answer sent to `deliver_to` (`<channel>:<chat>[:thread]`).
"""
