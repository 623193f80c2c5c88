"""What the processor metrics cost per message: `python -m benchmarks.processor_metrics`.

Times the framework's per-topic dispatch of a do-nothing function bare and wrapped by `ProcessorMeter`
(events in + latency histogram), and the producer wrapper (events out), over a million calls each. CPU time
of the thread, not wall time, so that other processes on a busy machine do not inflate the figures.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

from processors.common.metrics import ProcessorMeter

CALLS = 1_000_000


def per_call(function, *args) -> float:
    started = time.thread_time()
    for _ in range(CALLS):
        function(*args)
    return (time.thread_time() - started) / CALLS


def main() -> None:
    meter = ProcessorMeter("benchmark", "")
    bare = {"topic": lambda value, key, timestamp, headers: None}
    timed = meter.timed(bare)
    args = ({"a": 1}, "key", 0, None)
    base = per_call(bare["topic"], *args)
    wrapped = per_call(timed["topic"], *args)
    producer = SimpleNamespace(produce_row=lambda row, topic, **kwargs: None)
    topic = SimpleNamespace(name="out")
    produce_bare = per_call(producer.produce_row, None, topic)
    meter.count_outputs(producer)
    produce_counted = per_call(producer.produce_row, None, topic)
    print(f"input message: {(wrapped - base) * 1e6:.2f} µs added (bare call {base * 1e6:.2f} µs)")
    print(f"output message: {(produce_counted - produce_bare) * 1e6:.2f} µs added")


if __name__ == "__main__":
    main()
