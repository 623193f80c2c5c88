"""The admin API's index of a dead-letter topic (`infra.dead_letter_index`) against the real broker: it
agrees with a whole read of the topic, reads only what was added since its last look, and forgets what the
broker no longer holds (records deleted, the topic recreated)."""

from __future__ import annotations

import time
import uuid

import pytest
from confluent_kafka import TopicPartition
from confluent_kafka.admin import NewTopic

import infra.dead_letter_index as index_module
from contracts.dlq import dead_letter
from crm.errors import CrmError
from infra.dead_letter_index import DeadLetterIndex
from infra.dead_letters import read_letters, summarize
from topics import physical_name
from topics.clients import make_admin, make_producer

pytestmark = pytest.mark.integration
TOPIC = "payments.dlq"
PARTITIONS = 3


@pytest.fixture
def dlq(settings):
    """Settings of a namespace of its own holding an empty ``payments.dlq`` of three partitions."""
    own = settings.model_copy(update={"namespace": f"{settings.namespace}idx{uuid.uuid4().hex[:6]}."})
    admin = make_admin(own)
    name = physical_name(TOPIC, own)
    admin.create_topics([NewTopic(name, PARTITIONS, 1)])[name].result(timeout=30)
    yield own
    admin.delete_topics([name])[name].result(timeout=30)


def _letters(
    settings,
    first: int,
    count: int,
    reason: str = "amount: not a number",
    error_type: str = "ValidationError",
) -> None:
    """``count`` dead letters numbered from ``first``, spread over the partitions."""
    producer = make_producer(settings)
    for n in range(first, first + count):
        record = dead_letter(
            source_topic="payments",
            partition=0,
            offset=n,
            key=f"LN-{n}".encode(),
            value=b'{"amount": "lots"}',
            error=reason if n % 3 else f"{reason} (every third)",  # uneven counts: an order to compare
            error_type=error_type,
            processor="delinquency",
        )
        producer.produce(physical_name(TOPIC, settings), record, f"LN-{n}".encode(), partition=n % PARTITIONS)
    assert producer.flush(30) == 0


@pytest.fixture
def letters_read(monkeypatch):
    """How many records each of the index's reads returned, in order."""
    counts: list[int] = []
    real = index_module.read_from

    def counted(*args, **kwargs):
        letters = real(*args, **kwargs)
        counts.append(len(letters))
        return letters

    monkeypatch.setattr(index_module, "read_from", counted)
    return counts


def _places(letters) -> list[tuple[int, int]]:
    return [(s.partition, s.offset) for s in letters]


def test_the_index_agrees_with_a_whole_read_and_reads_only_what_is_new(dlq, letters_read):
    _letters(dlq, 0, 30)
    index = DeadLetterIndex(dlq)
    whole = read_letters(dlq, TOPIC)
    summary = index.summary(TOPIC)
    assert summary == summarize(TOPIC, whole) and summary.count == 30
    total, page, reasons, _contract_failures = index.page(TOPIC, 5, 10)
    assert total == 30 and _places(page) == _places(whole[::-1][5:15])
    assert reasons == summarize(TOPIC, whole, top=None).reasons  # every reason, not only the page's
    assert [s.letter.key for s in page] == [s.letter.key for s in whole[::-1][5:15]]
    # the first look read everything once; the page's look found nothing new, its fetch kept its own 10
    assert letters_read == [30, 0, 10]

    # a processor's own fault, not the contract's: re-driven after the fix, it goes through
    _letters(dlq, 30, 5, reason="business date jumps 40 days", error_type="BusinessDateJump")
    letters_read.clear()
    summary = index.summary(TOPIC)
    assert letters_read == [5]  # only the new letters
    assert summary == summarize(TOPIC, read_letters(dlq, TOPIC)) and summary.count == 35
    assert summary.contract_failures == {"amount: not a number", "amount: not a number (every third)"}
    total, newest, reasons, contract_failures = index.page(TOPIC, 0, 5)
    assert total == 35 and sorted(s.letter.key for s in newest) == [f"LN-{n}" for n in range(30, 35)]
    assert reasons == summarize(TOPIC, read_letters(dlq, TOPIC), top=None).reasons
    assert contract_failures == summary.contract_failures
    assert index.page(TOPIC, 35, 10)[:2] == (35, [])  # past the end: the count, no letters


def test_a_look_that_fails_half_way_loses_nothing(dlq, monkeypatch):
    _letters(dlq, 0, 6)
    index = DeadLetterIndex(dlq)
    assert index.summary(TOPIC).count == 6
    _letters(dlq, 6, 3)
    real = index_module.read_from

    def timed_out(*_args, **_kwargs):
        raise CrmError("reading payments.dlq did not finish within 30 s (is Kafka up?)")

    monkeypatch.setattr(index_module, "read_from", timed_out)
    with pytest.raises(CrmError):
        index.summary(TOPIC)
    monkeypatch.setattr(index_module, "read_from", real)
    assert index.summary(TOPIC).count == 9  # the three read at the next look


def test_the_index_forgets_deleted_records_and_a_recreated_topic(dlq):
    _letters(dlq, 0, 9)  # three per partition
    index = DeadLetterIndex(dlq)
    assert index.summary(TOPIC).count == 9
    admin = make_admin(dlq)
    name = physical_name(TOPIC, dlq)
    # the broker deletes partition 0's first two records (as retention or an operator would)
    admin.delete_records([TopicPartition(name, 0, 2)])[TopicPartition(name, 0, 2)].result(timeout=30)
    summary = index.summary(TOPIC)
    assert summary.count == 7 == len(read_letters(dlq, TOPIC))
    assert sum(count for _reason, count in summary.reasons) == 7

    admin.delete_topics([name])[name].result(timeout=30)
    for _attempt in range(30):  # deletion completes in the background
        try:
            admin.create_topics([NewTopic(name, PARTITIONS, 1)])[name].result(timeout=30)
            break
        except Exception:  # noqa: BLE001 - "topic is marked for deletion": try again
            time.sleep(0.5)
    _letters(dlq, 100, 2)
    total, page, _reasons, _contract_failures = index.page(TOPIC, 0, 10)
    assert total == 2 and sorted(s.letter.key for s in page) == ["LN-100", "LN-101"]
