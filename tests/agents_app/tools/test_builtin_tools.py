"""get_weather and search_web over real HTTP against fake Open-Meteo / SearXNG / DuckDuckGo servers."""

from __future__ import annotations

import pytest

from agents_app.tools.registry import load_tool
from agents_app.tools.search import search_web
from agents_app.tools.weather import get_weather
from tests.fakes import fake_tool_apis


def test_get_weather_geocodes_the_place_then_reads_current_conditions(settings: object) -> None:
    with fake_tool_apis.open_meteo() as api:
        settings.GATEWAY_GEOCODING_URL = api.url("/v1/search")  # type: ignore[attr-defined]
        settings.GATEWAY_WEATHER_URL = api.url("/v1/forecast")  # type: ignore[attr-defined]
        result = get_weather("Berlin")
        assert api.requests[1][1]["latitude"] == "52.52437"
        assert "temperature_2m" in api.requests[1][1]["current"]
    assert result == {
        "location": "Berlin, Land Berlin, Germany",
        "time": "2026-11-21T12:00",
        "temperature_c": 4.5,
        "humidity_percent": 81,
        "wind_kmh": 12.3,
        "conditions": "overcast",
    }


def test_get_weather_accepts_coordinates_without_geocoding(settings: object) -> None:
    with fake_tool_apis.open_meteo() as api:
        settings.GATEWAY_WEATHER_URL = api.url("/v1/forecast")  # type: ignore[attr-defined]
        result = get_weather("48.85, 2.35")
        assert [path for path, _ in api.requests] == ["/v1/forecast"]
    assert result["location"] == "48.85, 2.35"


def test_get_weather_for_an_unknown_place_raises_a_clear_error(settings: object) -> None:
    with fake_tool_apis.open_meteo() as api:
        settings.GATEWAY_GEOCODING_URL = api.url("/v1/search")  # type: ignore[attr-defined]
        with pytest.raises(LookupError, match="no place called 'Atlantis'"):
            get_weather("Atlantis")


def test_search_web_reads_searxng_results_and_caps_them(settings: object) -> None:
    with fake_tool_apis.searxng() as api:
        settings.GATEWAY_SEARCH_URL = api.url("/search")  # type: ignore[attr-defined]
        results = search_web("django channels", max_results=3)
        assert api.requests[0][1]["q"] == "django channels"
        assert api.requests[0][1]["format"] == "json"
    assert results == [
        {"title": f"django channels result {i}", "url": f"https://example.org/{i}", "snippet": f"snippet {i}"}
        for i in (1, 2, 3)
    ]


def test_search_web_reads_a_duckduckgo_instant_answer(settings: object) -> None:
    with fake_tool_apis.duckduckgo() as api:
        settings.GATEWAY_SEARCH_URL = api.url("/")  # type: ignore[attr-defined]
        results = search_web("django")
    assert [r["url"] for r in results] == [
        "https://en.wikipedia.org/wiki/Django_(web_framework)",
        "https://duckduckgo.com/Flask",
        "https://duckduckgo.com/Python",
    ]
    assert results[0]["snippet"] == "Django is a Python web framework."


async def test_an_http_failure_becomes_an_error_result_not_a_crash(settings: object) -> None:
    with fake_tool_apis.searxng() as api:
        settings.GATEWAY_SEARCH_URL = api.url("/nowhere")  # type: ignore[attr-defined]
        outcome = await load_tool("search_web").invoke({"query": "x"}, time_limit=5)
    assert outcome.error is True
    assert outcome.result.startswith("error: HTTPError: 404")
