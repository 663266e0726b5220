"""`manage.py export_gateway_yaml [-o PATH]`: write the configuration as gateway.yaml."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from routing.yaml_config.exporter import export_gateway_yaml


class Command(BaseCommand):
    help = "Export the configuration as gateway.yaml (secrets only as ${VAR} references)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: object, **options: object) -> None:
        export = export_gateway_yaml()
        text = export.as_yaml()
        if options.get("output"):
            Path(str(options["output"])).write_text(text, encoding="utf-8")
            self.stderr.write(f"wrote {options['output']}")
        else:
            self.stdout.write(text, ending="")
        for variable in export.placeholders:
            self.stderr.write(
                f"warning: a secret stored in clear was exported as ${{{variable}}}; set {variable} before importing"
            )
