"""``crm demo``: the whole product on one machine.

Today that is: the local stack, topics/schema/indices, a generated portfolio, and that portfolio ingested.
Processors, the API and the web app join as they land.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from crm.commands.ingest import run_ingest
from crm.errors import CrmError
from crm.settings import Settings, get_settings
from topics import INGEST_ORDER

console = Console(stderr=True, highlight=False, soft_wrap=True)


def demo(
    customers: int = typer.Option(10_000, "--customers", min=1, help="Size of the generated portfolio."),
    seed: int = typer.Option(42, "--seed", help="Generator seed: the same seed gives the same portfolio."),
    stack: bool = typer.Option(True, "--stack/--no-stack", help="Start the local services first."),
    reingest: bool = typer.Option(False, "--reingest", help="Ingest even if the topics already hold data."),
) -> None:
    """Bring up the stack, create topics/schema/indices, generate a portfolio and ingest it."""
    from crm.commands.init import init
    from crm.generator import generate_portfolio

    settings = get_settings()
    if stack:
        from infra.stack import manager

        console.rule("1/4 local services")
        manager.up(settings, console=console)
    console.rule("2/4 topics, schema, indices")
    init(topics=True, database=True, search=True)
    console.rule(f"3/4 portfolio of {customers:,} customers (seed {seed})")
    data_dir = settings.state_dir / "demo" / f"portfolio-{customers}-{seed}"
    if (data_dir / "manifest.json").is_file():
        console.print(f"[green]✓[/] reusing {data_dir}")
    else:
        generate_portfolio(data_dir, customers, seed, progress=console.is_terminal)
        console.print(f"[green]✓[/] generated into {data_dir}")
    console.rule("4/4 ingest")
    already = _messages_in(settings, "bank.customers")
    if already and not reingest:
        console.print(
            f"[green]✓[/] already ingested (bank.customers holds {already:,} messages); --reingest to redo"
        )
    else:
        _ingest_all(data_dir)
    console.print(
        "\n[bold]The demo portfolio is in Kafka.[/] `crm stack status` shows the services; "
        "`crm stack down` stops them."
    )


def _ingest_all(data_dir: Path) -> None:
    failed = []
    for topic in INGEST_ORDER:
        path = data_dir / f"{topic}.jsonl"
        if path.is_file() and not run_ingest(topic, path).ok:
            failed.append(topic)
    if failed:
        raise CrmError(f"ingest rejected lines of {', '.join(failed)}; see the messages above")


def _messages_in(settings: Settings, topic: str) -> int:
    """How many messages a topic holds (sum of high minus low watermarks over its partitions)."""
    from confluent_kafka import Consumer, TopicPartition

    from topics import physical_name

    name = physical_name(topic, settings)
    consumer = Consumer({"bootstrap.servers": settings.kafka_brokers, "group.id": "crm-demo-probe"})
    try:
        metadata = consumer.list_topics(name, timeout=10).topics[name]
        total = 0
        for partition in metadata.partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(name, partition), timeout=10)
            total += high - low
        return total
    finally:
        consumer.close()
