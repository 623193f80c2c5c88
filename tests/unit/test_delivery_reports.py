"""The API's delivery-report thread keeps serving after a failed poll: every waiting write depends on it."""

from __future__ import annotations

import threading

from api.publishing import DeliveryReports


class _Producer:
    """Only what DeliveryReports calls: ``poll``, failing once, then counting."""

    def __init__(self) -> None:
        self.polls = 0
        self.served_after_failure = threading.Event()

    def poll(self, _timeout: float) -> int:
        self.polls += 1
        if self.polls == 1:
            raise RuntimeError("a delivery callback failed")
        self.served_after_failure.set()
        return 0


def test_a_failed_poll_is_logged_and_serving_goes_on(caplog):
    producer = _Producer()
    reports = DeliveryReports(producer)  # type: ignore[arg-type]
    try:
        assert producer.served_after_failure.wait(5)
    finally:
        reports.close()
    assert "serving Kafka delivery reports failed" in caplog.text
    assert not reports._thread.is_alive()
