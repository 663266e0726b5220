"""`manage.py telegram_set_webhook INSTANCE URL`: register the gateway's webhook URL with Telegram."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from channels_app.adapters import DeliveryError, NotConfigured, get_adapter
from channels_app.models import ChannelInstance


class Command(BaseCommand):
    help = (
        "Call Telegram's setWebhook for a telegram instance with its secret_token, so Telegram starts pushing "
        "updates to URL (normally https://<host>/webhooks/<instance>/)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("instance", help="Name of a telegram channel instance.")
        parser.add_argument("url", help="Public HTTPS URL of the instance's webhook.")
        parser.add_argument("--drop-pending", action="store_true", help="Discard updates Telegram is holding.")

    def handle(self, *args: object, **options: object) -> None:
        instance = ChannelInstance.objects.filter(name=options["instance"]).first()
        if instance is None or instance.platform != "telegram":
            raise CommandError(f"no telegram instance named '{options['instance']}'")
        url = str(options["url"])
        if not url.startswith("https://"):
            raise CommandError("Telegram only delivers to https:// URLs (ports 443, 80, 88 or 8443)")
        adapter = get_adapter(instance)
        try:
            result = adapter.set_webhook(url, drop_pending=bool(options["drop_pending"]))
        except (NotConfigured, DeliveryError) as exc:
            raise CommandError(str(exc)) from exc
        if not result.get("ok"):
            raise CommandError(f"Telegram refused: {result.get('description') or result}")
        self.stdout.write(self.style.SUCCESS(f"webhook for '{instance.name}' set to {url}"))
