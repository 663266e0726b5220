"""The one outbound policy: which URLs the gateway may fetch (model base_url, callbacks, platform API bases, tools).

Checked twice: when configuration is validated (YAML, admin, API: scheme and literal addresses, no DNS) and when a
connection is about to be made (the same checks on every address the host name resolves to, so a name that points
at 169.254.169.254 is refused too).

- Only http and https.
- Link-local and cloud metadata addresses are always refused (169.254.0.0/16, fe80::/10, fd00:ec2::254,
  100.100.100.200, metadata.google.internal, ...): they hand out cloud credentials to anyone who can make the
  server ask.
- Loopback and private ranges are allowed by default (Ollama on 127.0.0.1, a vLLM on 10.x, a self-hosted CRM).
- `GATEWAY_EGRESS_ALLOW` (hosts and CIDR networks, comma-separated) narrows everything else to an allow-list. A
  host *name* is allowed only when it is listed by name, so a name outside the list is refused before any DNS
  lookup; a network admits IP literals within it.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from gatewaysite.ttl_cache import TTLCache

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
ALWAYS_REFUSED_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(net)
    for net in (
        "169.254.0.0/16",  # IPv4 link-local: AWS/GCP/Azure/OpenStack metadata at 169.254.169.254
        "fe80::/10",  # IPv6 link-local
        "fd00:ec2::254/128",  # AWS metadata over IPv6
        "100.100.100.200/32",  # Alibaba Cloud metadata
        "0.0.0.0/8",  # "this host": reaches loopback on Linux while looking like something else
        "::/128",
        "224.0.0.0/4",  # multicast
        "ff00::/8",
    )
)
ALWAYS_REFUSED_HOSTS = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"}
)


class EgressRefused(ValueError):
    """The outbound policy refuses this URL or address; the message says which rule."""


@dataclass(frozen=True)
class Policy:
    """The allow-list in force: empty means "anything but the always-refused addresses"."""

    hosts: frozenset[str]
    networks: tuple[IPNetwork, ...]

    @property
    def restricted(self) -> bool:
        return bool(self.hosts or self.networks)


@functools.cache
def _parse(entries: tuple[str, ...]) -> Policy:
    hosts: set[str] = set()
    networks: list[IPNetwork] = []
    for entry in entries:
        text = entry.strip().lower()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text.strip("[]"), strict=False))
        except ValueError:
            hosts.add(text.rstrip("."))
    return Policy(frozenset(hosts), tuple(networks))


def policy() -> Policy:
    """The policy from settings (re-read each call, so test overrides apply; parsing is cached)."""
    return _parse(tuple(getattr(settings, "GATEWAY_EGRESS_ALLOW", ()) or ()))


def _literal(host: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:169.254.169.254 is 169.254.169.254
    return address


def check_address(address: IPAddress | str, host: str = "") -> None:
    """Refuse an address that is always refused, or outside the allow-list when `host` was not named in it."""
    ip = _literal(str(address)) if not isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address) else address
    if ip is None:
        raise EgressRefused(f"{address!r} is not an IP address")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in net for net in ALWAYS_REFUSED_NETWORKS if net.version == ip.version):
        raise EgressRefused(f"{host or ip} resolves to {ip}: link-local and cloud metadata addresses are never fetched")
    current = policy()
    named = host.lower() in current.hosts
    if current.restricted and not named and not any(ip in net for net in current.networks if net.version == ip.version):
        raise EgressRefused(f"{host or ip} ({ip}) is not in GATEWAY_EGRESS_ALLOW")


def check_host(host: str) -> None:
    """The checks that need no DNS: refused names, literal addresses, and (restricted) names not listed."""
    name = host.strip().lower().rstrip(".")
    if not name:
        raise EgressRefused("the URL has no host")
    if name in ALWAYS_REFUSED_HOSTS:
        raise EgressRefused(f"{name} is a cloud metadata host and is never fetched")
    literal = _literal(name)
    if literal is not None:
        check_address(literal)
        return
    current = policy()
    if current.restricted and name not in current.hosts:
        raise EgressRefused(f"{name} is not in GATEWAY_EGRESS_ALLOW")


def split_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL as the HTTP clients read it (urllib3's parser)."""
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    try:
        parsed = parse_url(str(url).strip())
    except LocationParseError as exc:
        raise EgressRefused(f"not a valid URL: {exc}") from exc
    scheme = (parsed.scheme or "").lower()
    if scheme not in SCHEMES:
        raise EgressRefused(f"only http and https URLs are fetched, not {scheme or 'a URL without a scheme'}")
    if not parsed.host:
        raise EgressRefused("the URL has no host")
    return scheme, parsed.host.strip("[]"), parsed.port or DEFAULT_PORTS[scheme]


def check_url(url: str) -> tuple[str, int]:
    """Validate a URL without DNS (configuration time, and the first step at connect time); returns (host, port)."""
    _, host, port = split_url(url)
    check_host(host)
    return host, port


def check_resolved(host: str, addresses: Iterable[str]) -> None:
    """Connect time: every address the name resolved to must pass (a DNS answer cannot point us at metadata)."""
    for address in addresses:
        check_address(address, host)


# Names whose addresses passed the check lately, with the policy they passed under. Why: every platform send and
# every model call checked its host, and for a name that meant a DNS lookup per message even on a kept-alive
# connection (no new connection, so no new lookup by the client itself) — a blocking resolver round trip, or a
# thread hop for the async SDKs, on every message to slack.com or api.openai.com. Within RESOLUTION_MEMORY_SECONDS
# the check is not repeated; a refusal is never remembered, and a change of policy starts afresh. The client still
# resolves for itself whenever it opens a connection, as it always did (the check never pinned an address).
RESOLUTION_MEMORY_SECONDS = 30.0
_passed: TTLCache[Policy] = TTLCache(lambda: RESOLUTION_MEMORY_SECONDS, max_entries=1_000)


def needs_lookup(host: str, port: int) -> bool:
    """Whether `host`:`port` must be resolved and its addresses checked: a name (not an IP literal) that has not
    passed under the current policy within the last RESOLUTION_MEMORY_SECONDS."""
    return _literal(host) is None and _passed.peek((host.lower(), port)) is not policy()


def check_lookup(host: str, port: int, infos: Iterable[tuple[Any, ...]]) -> None:
    """Check every address of a `getaddrinfo` answer for `host`:`port`, and remember that it passed."""
    check_resolved(host, [str(info[4][0]) for info in infos])
    _passed.put((host.lower(), port), policy())


def resolve_and_check(host: str, port: int) -> None:
    """check_host, then resolve (blocking) and check every address — unless that passed lately."""
    check_host(host)
    if not needs_lookup(host, port):
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return  # the client's own connect will fail with its usual error
    check_lookup(host, port, infos)


def check_before_connect(url: str) -> None:
    """Everything at once, blocking (for clients without a transport hook): the URL, then the resolved addresses.

    WebSocket URLs are checked as their HTTP equivalents (ws → http, wss → https).
    """
    text = str(url).strip()
    lowered = text.lower()
    if lowered.startswith("wss://"):
        text = "https://" + text[6:]
    elif lowered.startswith("ws://"):
        text = "http://" + text[5:]
    host, port = check_url(text)
    resolve_and_check(host, port)


def config_error(url: object) -> str | None:
    """Why a configured URL is refused ('' or a `${VAR}` reference is checked later, at connect time)."""
    if not isinstance(url, str) or not url.strip() or "${" in url:
        return None
    try:
        check_url(url)
    except EgressRefused as exc:
        return str(exc)
    return None
