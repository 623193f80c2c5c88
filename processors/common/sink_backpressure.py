"""Delivering a checkpoint's outputs before the transaction that a sink's backpressure aborts.

When a sink signals backpressure (its database is down), the framework aborts the checkpoint's Kafka
transaction. Outputs still queued in the producer are then purged, and librdkafka needs an epoch bump to
get past the sequence numbers they had taken; a produce in the next checkpoint meanwhile fails with
``_STATE`` ("Erroneous state") and the processor dies (the PostgreSQL outage fault test met it). Flushing
the producer first delivers those outputs into the open transaction, so the abort has nothing to purge and
simply discards them. Only the backpressure path pays for the flush. (An internal hook: quixstreams is
pinned.)
"""

from __future__ import annotations

from quixstreams import Application
from quixstreams.sinks import SinkBackpressureError

OUTPUTS_FLUSH_TIMEOUT = 30.0  # seconds; Kafka being away as well is the broker restart's business


def flush_outputs_on_backpressure(app: Application) -> None:
    """Make every sink registered with ``app`` from now on flush the producer before its backpressure
    reaches the framework."""
    producer, manager = app._producer, app._sink_manager
    register = manager.register

    def register_with_flush(sink) -> None:
        flush = sink.flush

        def flush_outputs_first_on_backpressure() -> None:
            try:
                flush()
            except SinkBackpressureError:
                producer.flush(OUTPUTS_FLUSH_TIMEOUT)
                raise

        sink.flush = flush_outputs_first_on_backpressure
        register(sink)

    manager.register = register_with_flush
