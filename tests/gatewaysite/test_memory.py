"""The server's resident memory at start stays small: a new import that costs megabytes fails here, not in a
deployment that sized its containers on the README's figures (bench/webhook_load.py reports the peak under load)."""

from __future__ import annotations

import json

from tests.gatewaysite.fresh_process import run_in_fresh_process

PROBE = """
import json, sys
import django
django.setup()
import gatewaysite.asgi  # everything `daphne gatewaysite.asgi:application` loads before the first request
status = open("/proc/self/status").read()
rss_kb = int(status.split("VmRSS:")[1].split()[0])
loaded = {name: bool(sys.modules.get(name)) for name in ("OpenSSL", "pygments")}
print(json.dumps({"rss_mb": rss_kb / 1024, **loaded}))
"""

# 107.6 MB measured on the 2-vCPU development machine (Python 3.11, requirements.txt): 117 before openai's type
# packages loaded lazily (gatewaysite/lazy_packages.py), 114 before the model SDKs' transport moved onto aiohttp
# (gatewaysite/model_transport.py), 121 before pyOpenSSL and Pygments were left out (gatewaysite/memory.py).
BUDGET_MB = 115


def test_the_asgi_application_loads_within_the_memory_budget(tmp_path) -> None:
    out = run_in_fresh_process(PROBE, tmp_path)
    probe = json.loads(out.strip().splitlines()[-1])
    assert not probe["pygments"], "Django REST framework loaded Pygments, which only the test tools install"
    assert not probe["OpenSSL"], "Twisted loaded pyOpenSSL for a server without a certificate (gatewaysite/memory.py)"
    assert probe["rss_mb"] < BUDGET_MB, f"{probe['rss_mb']:.1f} MB resident after loading the ASGI application"
