"""Schema-driven fuzzing: schemathesis generates requests from /api/schema/ for every operation; none may answer 5xx.

Runs in-process against the WSGI handler with an admin token, so every write path is exercised too. The number of
examples per operation comes from FUZZ_EXAMPLES (default 5: enough to hit every path and its validation in CI).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from agents_app.models import Agent
from channels_app.models import ChannelInstance

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))


# Loading the schema needs no database: it is served by drf-spectacular from the code alone.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def seeded(db):
    """Something for the generated names to sometimes hit, besides the 404s.

    Like Django's test client, keep the request cycle from closing the test's database connection (its transaction).
    """
    Agent.objects.get_or_create(name="helper", defaults={"model": "echo"})
    ChannelInstance.objects.get_or_create(
        name="hooks", defaults={"platform": "webhook", "credentials": {"secret": "s"}}
    )
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_operation_answers_a_server_error(case, seeded, admin_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=[not_a_server_error])
