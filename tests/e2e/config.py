"""The gateway.yaml the end-to-end tests run with: an echo agent, a Telegram instance pointed at a fake Bot API,
and a seconds-level schedule delivering into a forum topic."""

from __future__ import annotations

from pathlib import Path

import yaml

WS_TOKEN = "e2e-ws-token"
BOT_TOKEN = "7000000001:AAtest-token"
WEBHOOK_SECRET = "e2e-webhook-secret"
SCHEDULE_CHAT = "-100777"
SCHEDULE_THREAD = "5"
SCHEDULE_PROMPT = "Scheduled status ping"


def write_config(path: Path, telegram_url: str, *, every: str = "2s", slow_llm_url: str = "") -> Path:
    """The config file; with `slow_llm_url`, also an agent on that (slow) OpenAI-compatible server and an
    instance `tg-slow` routed to it, so a worker can be killed in the middle of a run."""
    config = {
        "gateway": {"host": "127.0.0.1", "auth_token": WS_TOKEN},
        "agents": {"helper": {"instructions": "Answer briefly", "model": "echo"}},
        "channels": {
            "tg": {
                "platform": "telegram",
                "token": BOT_TOKEN,
                "secret_token": WEBHOOK_SECRET,
                "api_base_url": telegram_url,
                "routes": {"default": "helper"},
            }
        },
        "schedules": {
            "status-ping": {
                "agent": "helper",
                "prompt": SCHEDULE_PROMPT,
                "every": every,
                "deliver": {"channel": "tg", "channel_id": SCHEDULE_CHAT, "thread_id": SCHEDULE_THREAD},
            }
        },
    }
    if slow_llm_url:
        config["agents"]["slow"] = {"model": "gpt-4o-mini", "base_url": slow_llm_url, "api_key": "sk-e2e"}
        config["channels"]["tg-slow"] = {**config["channels"]["tg"], "routes": {"default": "slow"}}
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path
