-- Dead letters re-driven to their source topic (`crm dlq redrive`, POST /api/admin/dlq/{topic}/redrive).
-- One row per dead letter, written after Kafka confirmed the re-produced message, under a per-topic lock:
-- a second redrive skips every dead letter recorded here, and also any other dead letter of the same
-- source message (a replay dead-letters a bad message again, at a new DLQ offset).

CREATE TABLE dlq_redrives (
    dlq_topic        text NOT NULL,        -- logical name, e.g. payments.dlq
    dlq_partition    integer NOT NULL,
    dlq_offset       bigint NOT NULL,
    source_topic     text NOT NULL,        -- where the bad message was and where its bytes went again
    source_partition integer NOT NULL,
    source_offset    bigint NOT NULL,
    new_partition    integer NOT NULL,     -- where the re-driven copy landed
    new_offset       bigint NOT NULL,
    redriven_by      text NOT NULL,        -- the login or OS user who asked
    redriven_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset)
);
CREATE INDEX dlq_redrives_source_idx ON dlq_redrives (source_topic, source_partition, source_offset);
