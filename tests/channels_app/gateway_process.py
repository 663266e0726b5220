"""A gateway server process for crash tests: resumes unfinished work, then serves the ASGI app with Daphne.

Usage: python -m tests.channels_app.gateway_process PORT (environment as the test sets it). This stands in for
`rungateway`'s start-up order: resume first, then accept traffic.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    port = sys.argv[1]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gatewaysite.settings")
    import django

    django.setup()
    from routing.pipeline.worker import resume_unfinished

    resume_unfinished()
    from daphne.cli import CommandLineInterface

    CommandLineInterface().run(["-b", "127.0.0.1", "-p", port, "--verbosity", "0", "gatewaysite.asgi:application"])


if __name__ == "__main__":
    main()
