"""`topics.lag.wait_caught_up` and `group_lags` against a processor that feeds its own input (a
continuation of long work), simulated: the order of its reads is what decides whether it can be fooled."""

from __future__ import annotations

from types import SimpleNamespace

import topics.lag as lag

TOPIC = ("strategy.reevaluate", 0)


class SelfFeedingProcessor:
    """One partition holding a request at offset 0, worked off in ``parts`` transactions: each consumes a
    record and, but the last, appends its continuation, committing both at once. It takes one step after
    each offset the waiter reads, so it works while it is being watched."""

    def __init__(self, parts: int) -> None:
        self.committed, self.end, self.left = 0, 1, parts

    def step(self) -> None:
        if self.left:
            self.left -= 1
            self.committed += 1
            self.end += 1 if self.left else 0


def _install(monkeypatch, processor: SelfFeedingProcessor) -> None:
    def read(value):
        processor.step()
        return value

    class Probe:
        def __init__(self, _config) -> None:
            pass

        def list_topics(self, topic, timeout):
            return SimpleNamespace(topics={topic: SimpleNamespace(partitions={0: None})})

        def get_watermark_offsets(self, _tp, timeout):
            return 0, read(processor.end)

        def close(self) -> None:
            pass

    monkeypatch.setattr(lag, "Consumer", Probe)
    monkeypatch.setattr(lag, "offsets_reader", lambda _brokers, _group: Probe({}))
    monkeypatch.setattr(lag, "committed_offsets", lambda _reader, _tps: {TOPIC: read(processor.committed)})
    # a record after the committed offset: every offset short of the end is one (no markers simulated)
    records_after = lambda _brokers, behind: any(c < e for c, e in behind.values())  # noqa: E731
    monkeypatch.setattr(lag, "_records_after", records_after)
    monkeypatch.setattr(lag.time, "sleep", lambda _s: None)


def test_it_returns_only_once_the_processors_continuations_are_worked_off(monkeypatch):
    processor = SelfFeedingProcessor(parts=3)
    _install(monkeypatch, processor)
    lag.wait_caught_up("broker", "group", [TOPIC[0]], timeout=5)
    assert processor.left == 0 and processor.committed == processor.end


def test_an_idle_group_is_caught_up_at_once(monkeypatch):
    processor = SelfFeedingProcessor(parts=0)
    processor.committed = 1
    _install(monkeypatch, processor)
    lag.wait_caught_up("broker", "group", [TOPIC[0]], timeout=5)
    assert processor.committed == processor.end == 1


def test_group_lags_never_reports_a_working_processor_caught_up(monkeypatch):
    """`group_lags` (what `crm demo` shows and waits on before its final check) reads in the same order:
    a lag read while the processor feeds itself may look larger than it is, never zero too early."""
    processor = SelfFeedingProcessor(parts=3)
    _install(monkeypatch, processor)

    class Admin:
        def list_topics(self, timeout):
            return SimpleNamespace(topics={TOPIC[0]: SimpleNamespace(partitions={0: None})})

        def list_offsets(self, requests, **_options):
            end = SimpleNamespace(result=lambda: SimpleNamespace(offset=read_end()))
            return {tp: end for tp in requests}

    def read_end():  # as `_install`'s reads: the value, then the processor's next step
        end = processor.end
        processor.step()
        return end

    while processor.left:
        working = processor.left > 1  # more than the step this read itself will take
        left, _committed, partitions = lag.group_lags(Admin(), "broker", {"group": [TOPIC[0]]})["group"]
        assert partitions == 1
        assert left > 0 or not working, (processor.committed, processor.end)
