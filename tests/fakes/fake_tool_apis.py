"""Fake public APIs behind the built-in tools, on 127.0.0.1: Open-Meteo (geocoding + forecast) and a JSON search.

Responses follow the providers' documented shapes: Open-Meteo `/v1/search` → `results[{name, latitude, longitude,
country, admin1}]`, `/v1/forecast?current=…` → `current{time, temperature_2m, …, weather_code}`; search is SearXNG's
`format=json` (`results[{title, url, content}]`) or DuckDuckGo Instant Answer (`AbstractText`, `RelatedTopics`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import LoopbackHTTPServer

Handler = Callable[[dict[str, str]], tuple[int, dict[str, Any]]]


class FakeJSONAPI(LoopbackHTTPServer):
    """GET routes answering JSON; records (path, query) of every request."""

    def __init__(self, routes: dict[str, Handler]) -> None:
        self.routes = routes
        self.requests: list[tuple[str, dict[str, str]]] = []
        fake = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
                return

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                fake.requests.append((parts.path, query))
                handler = fake.routes.get(parts.path)
                status, payload = handler(query) if handler else (404, {"error": "not found"})
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        super().__init__(RequestHandler)

    def url(self, path: str) -> str:
        return f"{self.root_url}{path}"


def open_meteo() -> FakeJSONAPI:
    """Knows one place, Berlin; any other name geocodes to no results."""

    def geocode(query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if query.get("name", "").lower() != "berlin":
            return 200, {"generationtime_ms": 0.1}
        place = {
            "name": "Berlin",
            "latitude": 52.52437,
            "longitude": 13.41053,
            "country": "Germany",
            "admin1": "Land Berlin",
        }
        return 200, {"results": [place]}

    def forecast(query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        return 200, {
            "latitude": float(query["latitude"]),
            "longitude": float(query["longitude"]),
            "current_units": {"temperature_2m": "°C", "wind_speed_10m": "km/h"},
            "current": {
                "time": "2026-11-21T12:00",
                "temperature_2m": 4.5,
                "relative_humidity_2m": 81,
                "wind_speed_10m": 12.3,
                "weather_code": 3,
            },
        }

    return FakeJSONAPI({"/v1/search": geocode, "/v1/forecast": forecast})


def searxng() -> FakeJSONAPI:
    def search(query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        results = [
            {"title": f"{query.get('q')} result {i}", "url": f"https://example.org/{i}", "content": f"snippet {i}"}
            for i in range(1, 8)
        ]
        return 200, {"query": query.get("q"), "results": results}

    return FakeJSONAPI({"/search": search})


def duckduckgo() -> FakeJSONAPI:
    def answer(query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        return 200, {
            "Heading": "Django (web framework)",
            "AbstractText": "Django is a Python web framework.",
            "AbstractURL": "https://en.wikipedia.org/wiki/Django_(web_framework)",
            "RelatedTopics": [
                {"Text": "Flask - A micro framework", "FirstURL": "https://duckduckgo.com/Flask"},
                {
                    "Name": "See also",
                    "Topics": [{"Text": "Python - A language", "FirstURL": "https://duckduckgo.com/Python"}],
                },
            ],
        }

    return FakeJSONAPI({"/": answer})
