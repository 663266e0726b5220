"""Built-in `search_web`: a JSON search endpoint set by GATEWAY_SEARCH_URL (default DuckDuckGo's Instant Answer API).

Understands two documented response shapes: SearXNG's `format=json` (`results: [{title, url, content}]`) and
DuckDuckGo's Instant Answer (`AbstractText`, `RelatedTopics`). GATEWAY_SEARCH_API_KEY, when set (may be a
`${VAR}` reference), is sent as a Bearer token for providers that need one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from agents_app.tools.registry import gateway_tool
from gatewaysite.egress_clients import policy_session
from gatewaysite.secrets import resolve_secret

DEFAULT_SEARCH_URL = "https://api.duckduckgo.com/"
USER_AGENT = "agent-gateway/0.1 (+search_web)"


@gateway_tool
def search_web(query: str, max_results: int = 5) -> list[dict[str, str]]:
    """Search the web and return the top results (title, url, snippet).

    Args:
        query: What to search for.
        max_results: How many results to return, 1 to 10.
    """
    if not query.strip():
        raise ValueError("query is empty")
    limit = max(1, min(int(max_results), 10))
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    key = resolve_secret(str(getattr(settings, "GATEWAY_SEARCH_API_KEY", "") or ""))
    if key:
        headers["Authorization"] = f"Bearer {key}"
    response = policy_session().get(
        str(getattr(settings, "GATEWAY_SEARCH_URL", DEFAULT_SEARCH_URL)),
        params={"q": query, "format": "json", "no_html": 1},
        headers=headers,
        timeout=float(getattr(settings, "GATEWAY_TOOL_HTTP_TIMEOUT", 10.0)),
    )
    response.raise_for_status()
    return parse_results(response.json())[:limit]


def parse_results(payload: dict[str, Any]) -> list[dict[str, str]]:
    """Normalise a SearXNG or DuckDuckGo Instant Answer payload to [{title, url, snippet}]."""
    if isinstance(payload.get("results"), list):
        return [
            {"title": str(r.get("title", "")), "url": str(r.get("url", "")), "snippet": str(r.get("content", ""))}
            for r in payload["results"]
            if isinstance(r, dict)
        ]
    results: list[dict[str, str]] = []
    if payload.get("AbstractText"):
        results.append(
            {
                "title": str(payload.get("Heading", "")),
                "url": str(payload.get("AbstractURL", "")),
                "snippet": str(payload["AbstractText"]),
            }
        )
    for topic in _flatten_topics(payload.get("RelatedTopics") or []):
        text = str(topic.get("Text", ""))
        results.append({"title": text.split(" - ")[0], "url": str(topic.get("FirstURL", "")), "snippet": text})
    return results


def _flatten_topics(topics: list[Any]) -> list[dict[str, Any]]:
    """DuckDuckGo nests related topics in groups ({"Name", "Topics": [...]})."""
    flat: list[dict[str, Any]] = []
    for topic in topics:
        if isinstance(topic, dict) and isinstance(topic.get("Topics"), list):
            flat.extend(t for t in topic["Topics"] if isinstance(t, dict))
        elif isinstance(topic, dict) and topic.get("Text"):
            flat.append(topic)
    return flat
