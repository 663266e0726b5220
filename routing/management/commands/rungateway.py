"""`manage.py rungateway`: one command that migrates, imports gateway.yaml and serves everything from one process."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

import routing.serving.server  # noqa: F401, I001 - installs Daphne's asyncio reactor before anything imports Twisted

log = logging.getLogger("routing.rungateway")


class Command(BaseCommand):
    help = (
        "Run the whole gateway in one process: migrate, import gateway.yaml, then serve webhooks, WebSocket, push, "
        "admin and API with Daphne while listeners, background work and schedules run inside."
    )
    requires_system_checks = []  # checked after migrate, once the tables exist

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--config", help="gateway.yaml to import (idempotent upsert) before serving")
        parser.add_argument(
            "--config-once", help="gateway.yaml to import only when the database has no agents yet (first run)"
        )
        parser.add_argument("--host", help="address to bind (default: gateway settings host)")
        parser.add_argument("--port", type=int, help="port to bind (default: gateway settings port)")
        parser.add_argument("--no-migrate", action="store_true", help="skip applying migrations")
        parser.add_argument("--no-schedules", action="store_true", help="do not fire schedules in this process")
        parser.add_argument("--no-listeners", action="store_true", help="do not run platform listeners here")
        parser.add_argument(
            "--shutdown-timeout",
            type=float,
            default=float(settings.GATEWAY_SHUTDOWN_TIMEOUT),
            help="seconds to finish in-flight work on SIGTERM/SIGINT before exiting (default 10)",
        )

    def handle(self, *args: object, **options: object) -> None:
        from channels_app.realtime.tls import TLSConfigError, endpoint
        from routing.serving.access import MissingAuthToken, record_bind, startup_auth_lines
        from routing.serving.background import BackgroundServices
        from routing.serving.server import GracefulGateway

        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        self.check(display_num_errors=False)
        self._import_config(options)

        from channels_app.models import GatewaySettings
        from gatewaysite.asgi import application

        gateway = GatewaySettings.load()
        host = str(options["host"] or gateway.host)
        port = int(options["port"] if options["port"] is not None else gateway.port)
        try:
            where = endpoint(host, port, gateway)
        except TLSConfigError as exc:
            raise CommandError(str(exc)) from exc
        scheme = "https" if where.startswith("ssl:") else "http"
        if scheme == "https":
            from gatewaysite.memory import enable_tls

            enable_tls()  # the TLS stack is not loaded unless a certificate is configured (gatewaysite/memory.py)
        try:
            for line in startup_auth_lines(gateway.auth_token, host):
                self.stdout.write(line)
        except MissingAuthToken as exc:
            raise CommandError(str(exc)) from exc
        record_bind(host)

        def announce(addresses: list[tuple[str, int]]) -> None:
            for bound_host, bound_port in addresses or [(host, port)]:
                self.stdout.write(
                    f"Gateway ({settings.GATEWAY_MODE}) listening on {scheme}://{bound_host}:{bound_port}/ "
                    f"(admin /admin/, WebSocket /ws, health /health)"
                )
            self.stdout.flush()

        server = GracefulGateway(
            application,
            where,
            BackgroundServices(schedules=not options["no_schedules"], listeners=not options["no_listeners"]),
            shutdown_timeout=float(options["shutdown_timeout"]),
            on_ready=announce,
        )
        clean = server.run()
        self.stdout.write(
            "Gateway stopped" + ("" if clean else " (some in-flight work was handed back for the next start)")
        )

    def _import_config(self, options: dict) -> None:
        from agents_app.models import Agent
        from routing.yaml_config.importer import import_gateway_yaml
        from routing.yaml_config.issues import ConfigError

        path = options["config"] or options["config_once"]
        if not path:
            return
        if options["config_once"] and not options["config"] and Agent.objects.exists():
            self.stdout.write(f"{path}: not imported (the database already has a configuration)")
            return
        try:
            text = Path(str(path)).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{path}: cannot read: {exc.strerror}") from exc
        try:
            report = import_gateway_yaml(text)
        except ConfigError as exc:
            for issue in exc.issues:
                self.stderr.write(f"error: {issue}")
            raise CommandError(f"{path}: {len(exc.issues)} error(s); nothing was written") from exc
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(f"{path}: {report.summary()}")
