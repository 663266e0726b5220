"""`manage.py import_gateway_yaml PATH|-`: apply a gateway.yaml as an idempotent upsert."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from routing.management.database import require_migrated
from routing.yaml_config.formats import NAMES, forced
from routing.yaml_config.importer import import_gateway_yaml
from routing.yaml_config.issues import ConfigError


class Command(BaseCommand):
    help = "Import agents, channels, routing, schedules, guardrails and gateway settings from gateway.yaml."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="gateway.yaml path, or - for standard input")
        parser.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
        parser.add_argument("--prune", action="store_true", help="delete rows the file does not mention")
        parser.add_argument(
            "--format",
            choices=NAMES,
            default="auto",
            help="file format: auto (detected), agentix (.agentix/gateway.yaml) or praisonai (default: auto)",
        )

    def handle(self, *args: object, **options: object) -> None:
        require_migrated()
        path = str(options["path"])
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{path}: cannot read: {exc.strerror}") from exc
        try:
            with forced(str(options["format"])):
                report = import_gateway_yaml(text, dry_run=bool(options["dry_run"]), prune=bool(options["prune"]))
        except ConfigError as exc:
            for issue in exc.issues:
                self.stderr.write(f"error: {issue}")
            raise CommandError(f"{path}: {len(exc.issues)} error(s); nothing was written") from exc
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        for change in report.changes:
            self.stdout.write(f"  {change}")
        self.stdout.write(report.summary())
