"""Background work steps aside while acknowledgements are in flight, for a bounded time."""

from __future__ import annotations

import threading

from channels_app.webhooks.ingress import IngressGauge, gauge, yield_to_acks


def test_a_worker_waits_for_in_flight_acks_and_resumes_when_they_are_done() -> None:
    local = IngressGauge()
    local.enter()
    local.enter()
    done = threading.Event()
    worker = threading.Thread(target=lambda: (local.wait_quiet(30), done.set()))
    worker.start()
    local.leave()
    assert not done.wait(0.1), "resumed while an acknowledgement was still in flight"
    local.leave()
    assert done.wait(5)
    worker.join(5)


def test_the_wait_is_bounded_so_a_steady_stream_never_stops_replies() -> None:
    local = IngressGauge()
    local.enter()
    assert local.wait_quiet(0.01) is False
    assert local.in_flight == 1


def test_the_setting_bounds_the_wait_and_zero_turns_it_off(settings) -> None:
    def worker() -> threading.Event:
        finished = threading.Event()
        threading.Thread(target=lambda: (yield_to_acks(), finished.set()), daemon=True).start()
        return finished

    gauge.enter()
    try:
        settings.GATEWAY_ACK_PRIORITY_WAIT = 3600
        patient = worker()
        assert not patient.wait(0.1), "did not wait for the acknowledgement in flight"
        settings.GATEWAY_ACK_PRIORITY_WAIT = 0
        assert worker().wait(5), "waited although priority is off"
    finally:
        gauge.leave()
    assert patient.wait(5)
