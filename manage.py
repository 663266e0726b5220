#!/usr/bin/env python
"""Django's command-line entry point for the gateway."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run a management command with the gateway's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gatewaysite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
