"""Built-in `get_weather`: current conditions from Open-Meteo (no key needed), endpoints configurable in settings.

GATEWAY_GEOCODING_URL turns a place name into coordinates, GATEWAY_WEATHER_URL returns the forecast; tests point
both at a fake server on 127.0.0.1.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

from agents_app.tools.registry import gateway_tool
from gatewaysite.egress_clients import policy_session

DEFAULT_WEATHER_URL = "https://api.open-meteo.com/v1/forecast"
DEFAULT_GEOCODING_URL = "https://geocoding-api.open-meteo.com/v1/search"
COORDINATES = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")
USER_AGENT = "agent-gateway/0.1 (+get_weather)"

# WMO weather interpretation codes, as documented by Open-Meteo.
WMO_CODES = {
    0: "clear sky",
    1: "mainly clear",
    2: "partly cloudy",
    3: "overcast",
    45: "fog",
    48: "depositing rime fog",
    51: "light drizzle",
    53: "drizzle",
    55: "dense drizzle",
    56: "freezing drizzle",
    57: "dense freezing drizzle",
    61: "slight rain",
    63: "rain",
    65: "heavy rain",
    66: "freezing rain",
    67: "heavy freezing rain",
    71: "slight snow",
    73: "snow",
    75: "heavy snow",
    77: "snow grains",
    80: "slight rain showers",
    81: "rain showers",
    82: "violent rain showers",
    85: "snow showers",
    86: "heavy snow showers",
    95: "thunderstorm",
    96: "thunderstorm with hail",
    99: "thunderstorm with heavy hail",
}


def _timeout() -> float:
    return float(getattr(settings, "GATEWAY_TOOL_HTTP_TIMEOUT", 10.0))


def _locate(location: str) -> tuple[float, float, str]:
    """Coordinates and a display name for a place name, or for a literal "lat,lon"."""
    literal = COORDINATES.match(location)
    if literal:
        return float(literal.group(1)), float(literal.group(2)), location.strip()
    url = str(getattr(settings, "GATEWAY_GEOCODING_URL", DEFAULT_GEOCODING_URL))
    response = policy_session().get(
        url,
        params={"name": location, "count": 1, "format": "json"},
        headers={"User-Agent": USER_AGENT},
        timeout=_timeout(),
    )
    response.raise_for_status()
    results = response.json().get("results") or []
    if not results:
        raise LookupError(f"no place called {location!r}")
    place = results[0]
    label = ", ".join(str(part) for part in (place.get("name"), place.get("admin1"), place.get("country")) if part)
    return float(place["latitude"]), float(place["longitude"]), label


@gateway_tool
def get_weather(location: str) -> dict[str, Any]:
    """Current weather at a place: temperature, wind, humidity and conditions.

    Args:
        location: A place name ("Paris", "Springfield, Illinois") or "latitude,longitude".
    """
    latitude, longitude, label = _locate(location)
    url = str(getattr(settings, "GATEWAY_WEATHER_URL", DEFAULT_WEATHER_URL))
    response = policy_session().get(
        url,
        params={
            "latitude": latitude,
            "longitude": longitude,
            "current": "temperature_2m,relative_humidity_2m,wind_speed_10m,weather_code",
            "timezone": "auto",
        },
        headers={"User-Agent": USER_AGENT},
        timeout=_timeout(),
    )
    response.raise_for_status()
    current = response.json().get("current") or {}
    code = current.get("weather_code")
    return {
        "location": label,
        "time": current.get("time"),
        "temperature_c": current.get("temperature_2m"),
        "humidity_percent": current.get("relative_humidity_2m"),
        "wind_kmh": current.get("wind_speed_10m"),
        "conditions": WMO_CODES.get(code, f"code {code}") if code is not None else None,
    }
