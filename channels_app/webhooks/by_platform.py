"""`/webhook/<platform>`: the URL Agentix (and other single-bot gateways) give each platform, kept working here.

Our URLs name the instance (`/webhooks/<instance>/`) because several bots of one platform may run side by side.
A platform URL therefore reaches the one enabled instance of that platform and says which one it was
(`X-Gateway-Instance`); with several it refuses with 409 and the candidates rather than guess, with none it is
404 like an unknown instance. Everything after the lookup is the instance URL's own view.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from channels_app.models import ChannelInstance
from channels_app.platforms import get_platform
from channels_app.webhooks.views import NOT_FOUND, webhook

INSTANCE_HEADER = "X-Gateway-Instance"


def enabled_instances(platform: str) -> list[str]:
    """Names of the enabled instances of a platform, in name order."""
    return list(
        ChannelInstance.objects.filter(platform=platform, enabled=True).order_by("name").values_list("name", flat=True)
    )


@csrf_exempt
async def platform_webhook(request: HttpRequest, platform: str) -> HttpResponse:
    """Forward to the single enabled instance of `platform`; 409 with the candidates when there are several."""
    if get_platform(platform) is None:
        return JsonResponse(NOT_FOUND, status=404)
    names = await sync_to_async(enabled_instances, thread_sensitive=False)(platform)
    if not names:
        return JsonResponse(NOT_FOUND, status=404)
    if len(names) > 1:
        return JsonResponse(
            {
                "error": f"{len(names)} enabled {platform} instances: use /webhooks/<instance>/",
                "candidates": [{"instance": name, "url": reverse("webhook", args=[name])} for name in names],
            },
            status=409,
        )
    response = await webhook(request, names[0])
    response[INSTANCE_HEADER] = names[0]
    return response
