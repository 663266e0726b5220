"""The outbound policy (gatewaysite/egress.py) fitted into the HTTP clients, so it holds at connect time.

requests (platform adapters, callbacks, tools) gets a transport adapter that checks the URL (no DNS), then every
address the host resolves to, on every request and every redirect hop, before it opens a connection. The model
SDKs have their own transport (gatewaysite/model_transport.py).
"""

from __future__ import annotations

import os
import threading
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from gatewaysite.egress import EgressRefused, check_url, resolve_and_check


class RefusedByPolicy(EgressRefused, requests.exceptions.InvalidURL):
    """requests' face of a refusal: an InvalidURL (a RequestException) that callers can tell apart as permanent."""


class PolicyHTTPAdapter(HTTPAdapter):
    """A requests transport adapter that refuses what the outbound policy refuses, before connecting."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        try:
            host, port = check_url(str(request.url))
            resolve_and_check(host, port)
        except EgressRefused as exc:
            raise RefusedByPolicy(str(exc), request=request) from exc
        return super().send(request, *args, **kwargs)


def environment_matters() -> bool:
    """Whether requests must keep reading the environment per request: a proxy variable, a NETRC variable or a
    ~/.netrc file. A CA bundle variable is applied once instead. NO_PROXY alone does not count: it only names
    exceptions to a proxy, and containers often set it with no proxy at all (so did the peers' benchmark, which put
    every platform POST of ours back through requests' session layer)."""
    for name in os.environ:
        upper = name.upper()
        if upper == "NETRC" or (upper.endswith("_PROXY") and upper != "NO_PROXY"):
            return True
    return os.path.exists(os.path.expanduser("~/.netrc"))


def mount_policy(session: requests.Session, **adapter_options: Any) -> requests.Session:
    """Route a session's http and https through the policy adapter.

    Unless a proxy or netrc is configured, it also stops re-reading the environment on every request (proxy lookup,
    no_proxy matching, netrc, CA bundle variables — the bundle is applied once here): ~3 % of the embedded server's
    CPU per answered Slack message under bench/webhook_load.py. Set a proxy and the session honours it as before.
    """
    adapter = PolicyHTTPAdapter(**adapter_options)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle  # what requests would read from the environment on each request
    session.trust_env = environment_matters()
    return session


def post(
    session: requests.Session,
    url: str,
    *,
    json: Any = None,
    data: Any = None,
    headers: dict[str, str] | None = None,
    timeout: Any = None,
) -> requests.Response:
    """`session.post(...)` for a session `mount_policy` prepared, without the session layer when nothing needs it.

    Why: requests' `Session.request` (merging the session's and the environment's settings, cookie jars, hooks, the
    redirect machinery) cost as much CPU as the HTTP exchange itself: ~12 % of an answered Slack message's CPU
    (py-spy under bench/webhook_load.py). Platform APIs authenticate with tokens and answer a POST without a redirect
    or a cookie to keep, so unless the session carries a proxy, netrc, cookies, auth, params or hooks, the request
    goes straight to the session's transport adapter: the session's default headers under the call's own, the same
    TLS verification, the same policy check, the body read to its end so the connection returns to the pool. A
    redirect answer is returned as it is rather than followed.
    """
    session_layer_needed = (
        session.trust_env
        or session.proxies
        or session.auth
        or session.params
        or len(session.cookies)
        or any(session.hooks.values())
    )
    if session_layer_needed:
        return session.post(url, json=json, data=data, headers=headers, timeout=timeout)
    request = requests.PreparedRequest()
    request.prepare(method="POST", url=url, headers={**session.headers, **(headers or {})}, json=json, data=data)
    adapter = session.get_adapter(url)
    response = adapter.send(request, timeout=timeout, verify=session.verify, cert=session.cert, proxies={})
    response.content  # noqa: B018 - read now, as Session.send does, so the connection goes back to the pool
    return response


_lock = threading.Lock()
_session: requests.Session | None = None


def policy_session() -> requests.Session:
    """One pooled, policy-checked session for code that would otherwise call `requests.get` (tools)."""
    global _session
    with _lock:
        if _session is None:
            _session = mount_policy(requests.Session(), pool_connections=8, pool_maxsize=32)
        return _session
