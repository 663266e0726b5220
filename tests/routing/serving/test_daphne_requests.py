"""Daphne forgets a finished request when Twisted closes it, not up to a second later
(routing/serving/daphne_requests.py, part 3): a burst of webhooks no longer holds a second's worth of requests."""

from __future__ import annotations

import asyncio

import pytest
from daphne.server import Server

from routing.serving import daphne_requests


class Protocol:
    """Stands for a Twisted request: Daphne's Server only uses it as a key here."""


@pytest.fixture
def server() -> Server:
    daphne_requests.install()
    server = Server(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"])  # never run: never listens
    server.connections = {}  # what Server.run() starts with
    return server


def start(server: Server, loop: asyncio.AbstractEventLoop) -> tuple[Protocol, asyncio.Future]:
    protocol = Protocol()
    server.protocol_connected(protocol)
    instance = loop.create_future()
    server.connections[protocol]["application_instance"] = instance
    return protocol, instance


def test_a_request_whose_application_finished_is_forgotten_when_it_closes(server: Server) -> None:
    loop = asyncio.new_event_loop()
    try:
        finished_first, instance = start(server, loop)
        instance.set_result(None)
        server.protocol_disconnected(finished_first)
        assert finished_first not in server.connections

        closed_first, instance = start(server, loop)
        server.protocol_disconnected(closed_first)
        assert closed_first in server.connections  # its application still runs
        instance.set_result(None)
        loop.run_until_complete(asyncio.sleep(0))  # the done callback runs on the loop
        assert closed_first not in server.connections
    finally:
        loop.close()


def test_a_failed_or_unstarted_request_is_left_for_daphnes_checker_to_log(server: Server) -> None:
    loop = asyncio.new_event_loop()
    try:
        failed, instance = start(server, loop)
        instance.set_exception(RuntimeError("boom"))
        server.protocol_disconnected(failed)
        assert server.connections[failed]["application_instance"] is instance

        unstarted = Protocol()
        server.protocol_connected(unstarted)
        server.protocol_disconnected(unstarted)
        assert "disconnected" in server.connections[unstarted]

        still_open, instance = start(server, loop)
        instance.set_result(None)
        assert still_open in server.connections  # finished, but Twisted has not closed the request yet
    finally:
        loop.close()
