"""Each inbound and configuration topic the processors read has one processor that writes its `.dlq` twin
(`processors.registry.DEAD_LETTERS_OF`), so a message every reader fails on alike is one dead letter."""

from processors.registry import DEAD_LETTERS_OF, INPUTS, PROCESSORS
from topics.registry import TopicKind, get_topic


def test_every_inbound_or_configuration_topic_a_processor_reads_has_one_reader_that_dead_letters_it():
    read = {topic for topics in INPUTS.values() for topic in topics}
    with_twin = {t for t in read if get_topic(t).kind in (TopicKind.INBOUND, TopicKind.CONFIG)}
    assert set(DEAD_LETTERS_OF) == with_twin
    for topic, processor in DEAD_LETTERS_OF.items():
        assert processor in PROCESSORS and topic in INPUTS[processor], (topic, processor)
