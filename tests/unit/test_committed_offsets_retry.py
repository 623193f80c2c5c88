"""`topics.clients.committed_offsets` asks again while the group's coordinator cannot answer yet (as just
after the broker starts), and raises anything else. A stand-in reader plays the broker's answers: a real
coordinator cannot be made to load slowly on demand (tests/integration/test_group_offsets.py reads real ones).
"""

from types import SimpleNamespace

import pytest
from confluent_kafka import KafkaError, KafkaException

from topics import clients
from topics.clients import committed_offsets


class Reader:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.asked = 0

    def committed(self, partitions, timeout):
        self.asked += 1
        answer = self.answers.pop(0)
        if isinstance(answer, KafkaException):
            raise answer
        return answer


def entry(offset=-1001, error=None):
    return SimpleNamespace(topic="t", partition=0, offset=offset, error=error)


@pytest.fixture(autouse=True)
def no_pause(monkeypatch):
    monkeypatch.setattr(clients, "RETRY_PAUSE_S", 0.0)


def test_a_loading_coordinator_is_asked_again():
    loading = KafkaError(KafkaError.COORDINATOR_LOAD_IN_PROGRESS)  # as a partition's error: no flags
    reader = Reader([entry(error=loading)], KafkaException(KafkaError(KafkaError._TIMED_OUT)), [entry(7)])
    assert committed_offsets(reader, []) == {("t", 0): 7}
    assert reader.asked == 3


def test_no_offset_yet_reads_as_zero():
    assert committed_offsets(Reader([entry()]), []) == {("t", 0): 0}


def test_any_other_error_is_raised_at_once():
    reader = Reader([entry(error=KafkaError(KafkaError.GROUP_AUTHORIZATION_FAILED))], [entry(7)])
    with pytest.raises(KafkaException) as raised:
        committed_offsets(reader, [])
    assert raised.value.args[0].code() == KafkaError.GROUP_AUTHORIZATION_FAILED and reader.asked == 1


def test_a_coordinator_that_stays_away_is_raised_after_the_timeout(monkeypatch):
    monkeypatch.setattr(clients, "RETRY_PAUSE_S", 0.01)
    reader = Reader(*[[entry(error=KafkaError(KafkaError.NOT_COORDINATOR))]] * 100)
    with pytest.raises(KafkaException):
        committed_offsets(reader, [], timeout=0.1)
    assert 1 < reader.asked <= 11
