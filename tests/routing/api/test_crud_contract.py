"""Every configuration resource: create, read, update, delete with an admin token; 401 without; 403 read-only."""

from __future__ import annotations

import pytest

from tests.routing.api.resources import RESOURCES, Resource

pytestmark = pytest.mark.django_db


@pytest.fixture(params=RESOURCES, ids=lambda resource: resource.name)
def resource(request) -> Resource:
    request.param.setup()
    return request.param


def detail_url(resource: Resource, body: dict) -> str:
    return f"{resource.collection}{body[resource.key]}/"


def test_it_creates_reads_updates_and_deletes_with_an_admin_token(api, resource):
    created = api.post(resource.collection, resource.create, format="json")
    assert created.status_code == 201, created.json()
    url = detail_url(resource, created.json())

    listed = api.get(resource.collection)
    assert listed.status_code == 200
    assert listed.json()["count"] == 1

    changed = api.patch(url, resource.update, format="json")
    assert changed.status_code == 200, changed.json()
    for key, value in resource.update.items():
        assert changed.json()[key] == value
    assert api.get(url).json()[next(iter(resource.update))] == next(iter(resource.update.values()))

    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_it_answers_401_without_credentials(anonymous, resource):
    assert anonymous.get(resource.collection).status_code == 401
    response = anonymous.post(resource.collection, resource.create, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_answers_403_to_a_read_only_token_on_writes_but_lets_it_read(api, reader, resource):
    denied = reader.post(resource.collection, resource.create, format="json")
    assert denied.status_code == 403
    assert "read-only" in denied.json()["detail"]
    created = api.post(resource.collection, resource.create, format="json")
    url = detail_url(resource, created.json())
    assert reader.get(url).status_code == 200
    assert reader.patch(url, resource.update, format="json").status_code == 403
    assert reader.delete(url).status_code == 403
    assert api.get(url).status_code == 200


def test_it_refuses_a_wrong_token(anonymous, resource):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer gw_not-a-real-token")
    response = anonymous.get(resource.collection)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid, revoked or expired token."}
