"""A deterministic, realistic synthetic portfolio: one JSONL file per inbound topic.

Same seed and size give byte-identical files whatever the number of worker processes: customers are
generated in numbered chunks, each from its own seeded random source, and written in chunk order.

Ordering that holds in the files:

- every file lists its chunks in order (customers ``C000000001``, ``C000000002``, ... ascending), and an
  account's loan, collateral, payments and actions all belong to its customer's chunk;
- ``payments.jsonl`` is sorted by ``paid_at`` within each chunk (a stable sort), not across chunks; so
  each account's payments are in ``paid_at`` order, an exact duplicate line directly follows its original,
  and a reversal comes after the payment it reverses (it is always at least a day later);
- ``agent.actions.jsonl`` is in ``at`` order per customer; ``ops.business-date.jsonl`` is in date order.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import orjson

from crm.errors import CrmError
from crm.generator.agents import agent_count, agents
from crm.generator.customers import AS_OF_TIME
from crm.generator.portfolio import ChunkSpec, generate_chunk
from topics import INGEST_ORDER

GENERATOR_VERSION = 3  # bumped whenever the same seed gives different bytes
CHUNK_SIZE = 2_000
DEFAULT_SNAPSHOT = date(2026, 1, 31)
TOPICS = INGEST_ORDER


class GeneratorError(CrmError, ValueError):
    """Bad arguments to the generator: one line on the command line, a ValueError to callers."""


@dataclass
class Manifest:
    seed: int
    customers: int
    snapshot_date: str
    as_of: str  # the timestamp every loan's ``as_of`` carries; payments come after it
    first_business_date: str
    last_business_date: str
    generator_version: int = GENERATOR_VERSION
    counts: dict[str, int] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)


def _chunks(customers: int, seed: int, snapshot: date, days: int, agents_total: int) -> list[ChunkSpec]:
    return [
        ChunkSpec(seed, n, 1 + start, min(CHUNK_SIZE, customers - start), snapshot, days, agents_total)
        for n, start in enumerate(range(0, customers, CHUNK_SIZE))
    ]


def _results(specs: list[ChunkSpec], workers: int) -> Iterator[dict[str, bytes]]:
    if workers <= 1 or len(specs) == 1:
        yield from map(generate_chunk, specs)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        yield from pool.imap(generate_chunk, specs)  # ordered: chunk n is written before chunk n+1


def generate_portfolio(
    out_dir: Path,
    customers: int,
    seed: int,
    *,
    start_date: date | None = None,
    days: int = 30,
    workers: int | None = None,
    progress: bool = True,
) -> Manifest:
    """Write the portfolio into ``out_dir``; ``manifest.json`` is written last, as the mark of completion.

    ``workers`` defaults to one process per core; the bytes written do not depend on it. ``progress``
    shows a bar on stderr when stderr is a terminal.
    """
    from crm.generator.progress import progress_bar  # rich is only needed in the parent process

    if customers < 1:
        raise GeneratorError("customers must be at least 1")
    if days < 1:
        raise GeneratorError("days must be at least 1")
    if workers is not None and workers < 1:
        raise GeneratorError("workers must be at least 1")
    if out_dir.exists() and not out_dir.is_dir():
        raise GeneratorError(f"{out_dir} exists and is not a directory")
    snapshot = start_date or DEFAULT_SNAPSHOT
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "manifest.json").unlink(missing_ok=True)
    agents_total = agent_count(customers)
    specs = _chunks(customers, seed, snapshot, days, agents_total)
    dates = [snapshot + timedelta(days=n) for n in range(1, days + 1)]
    counts = dict.fromkeys(TOPICS, 0)
    files = {topic: (out_dir / f"{topic}.jsonl.partial").open("wb") for topic in TOPICS}
    try:
        agent_lines = [orjson.dumps(agent) + b"\n" for agent in agents(seed, agents_total)]
        files["config.agents"].writelines(agent_lines)
        counts["config.agents"] = len(agent_lines)
        date_lines = [orjson.dumps({"date": d.isoformat(), "bank": "MAIN"}) + b"\n" for d in dates]
        files["ops.business-date"].writelines(date_lines)
        counts["ops.business-date"] = len(date_lines)
        with progress_bar(customers, progress) as advance:
            for spec, blobs in zip(specs, _results(specs, workers or os.cpu_count() or 1), strict=True):
                for topic, blob in blobs.items():
                    files[topic].write(blob)
                    counts[topic] += blob.count(b"\n")
                advance(spec.count)
    finally:
        for handle in files.values():
            handle.close()
    for topic in TOPICS:
        (out_dir / f"{topic}.jsonl.partial").replace(out_dir / f"{topic}.jsonl")
    manifest = Manifest(
        seed=seed,
        customers=customers,
        snapshot_date=snapshot.isoformat(),
        as_of=snapshot.isoformat() + AS_OF_TIME,
        first_business_date=dates[0].isoformat(),
        last_business_date=dates[-1].isoformat(),
        counts=counts,
        bytes={topic: (out_dir / f"{topic}.jsonl").stat().st_size for topic in TOPICS},
    )
    (out_dir / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    return manifest
