"""`crm dlq`: look at dead letters and re-drive them to their source topic (logic in infra/)."""

from __future__ import annotations

import contextlib
import getpass

import typer
from rich.console import Console

from crm.errors import CrmError
from crm.settings import get_settings

app = typer.Typer(help="Dead letters: list, show, re-drive.", no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)


@contextlib.contextmanager
def _database(settings):
    """An autocommit connection; a missing table or an unreachable server becomes one line to act on."""
    import psycopg

    try:
        with psycopg.connect(settings.database_url, autocommit=True, connect_timeout=5) as conn:
            yield conn
    except psycopg.errors.UndefinedTable:
        raise CrmError("the dlq_redrives table is missing: run `crm init`") from None
    except psycopg.OperationalError as error:
        raise CrmError(f"cannot reach PostgreSQL ({error}); is the stack up?") from None


def _when(moment) -> str:
    return moment.isoformat(timespec="seconds") if moment else "-"


@app.command("list")
def list_(
    topic: str = typer.Argument(None, help="One dead-letter topic (payments.dlq or payments); default: all."),
    limit: int = typer.Option(
        20, "--limit", min=0, help="With a topic: how many of its dead letters to list, newest first; 0: all."
    ),
    where: str = typer.Option(
        None, "--where", help="With a topic: only the dead letters matching FIELD~TEXT or FIELD=TEXT."
    ),
) -> None:
    """Dead letters per topic: how many, how many re-driven, oldest and newest, the commonest reasons; with
    a topic, every reason and its dead letters newest first, each at the position `show` takes."""
    from infra.dead_letters import (
        BadSelection,
        check_dlq_topic,
        dlq_topics,
        read_letters,
        source_topic_of,
        summarize,
    )
    from infra.dead_letters import where as matching
    from infra.redrive import redriven_counts, redriven_positions

    if where is not None and not topic:
        raise BadSelection("--where chooses among one topic's dead letters: name it (crm dlq list TOPIC …)")
    chooses = matching(where) if where is not None else None  # a condition it cannot read fails first
    settings = get_settings()
    topics = [check_dlq_topic(topic)] if topic else dlq_topics()
    with _database(settings) as conn:
        redriven = redriven_counts(conn)
        done = redriven_positions(conn, topics[0]) if topic else set()
    shown = 0
    for name in topics:
        letters = read_letters(settings, name)
        summary = summarize(name, letters, top=None if topic else 3)
        if not summary.count and not topic:
            continue
        shown += 1
        console.print(
            f"[bold]{name}[/]  {summary.count} dead letters, {redriven.get(name, 0)} re-driven"
            + (f", {_when(summary.oldest)} … {_when(summary.newest)}" if summary.count else "")
        )
        failed = f"  (failed the {source_topic_of(name)} contract)"  # re-driven as they are, refused again
        for reason, count in summary.reasons:
            console.print(
                f"  {count} × {reason}{failed if reason in summary.contract_failures else ''}", markup=False
            )
        if topic and letters:
            _list_letters(name, letters, done, limit, where, chooses, failed)
    if not shown:
        console.print("no dead letters")


def _list_letters(
    name: str,
    letters: list,
    done: set[tuple[int, int]],
    limit: int,
    condition: str | None,
    chooses,
    failed: str,
) -> None:
    """One line per dead letter (those ``chooses`` takes, when given), newest first: its position (what
    `show` and `redrive --offsets` take), when, whether re-driven, its key and reason, ending with
    ``failed`` when its message failed the source topic's contract (as the reasons' lines do)."""
    chosen = [s for s in reversed(letters) if chooses is None or chooses(s)]
    listed = chosen[:limit] if limit else chosen
    heading = (
        f"{len(chosen)} matching {condition}, newest first:" if condition is not None else "newest first:"
    )
    console.print(f"\n{heading}" if chosen else f"\nnone matching {condition}", markup=False)
    width = max((len(f"{s.partition}:{s.offset}") for s in listed), default=0)
    for stored in listed:
        key = (stored.letter.key if stored.letter else None) or "-"
        state = "re-driven" if (stored.partition, stored.offset) in done else "-"
        console.print(
            f"  {f'{stored.partition}:{stored.offset}':<{width}}  {_when(stored.timestamp)}  {state:<9}  "
            f"key {key}  {stored.reason}{failed if stored.failed_contract else ''}",
            markup=False,
        )
    if listed:
        older = len(chosen) - len(listed)
        console.print(
            f"crm dlq show {name} PARTITION:OFFSET shows one"
            + (f"; {older} older not listed (--limit 0 lists all)" if older else ""),
            markup=False,
        )


@app.command("show")
def show(
    topic: str = typer.Argument(..., help="The dead-letter topic (payments.dlq or payments)."),
    offset: str = typer.Argument(..., help="OFFSET, or PARTITION:OFFSET when several partitions have it."),
) -> None:
    """One dead letter: the error, where the message was, and its original value."""
    from infra.dead_letters import check_dlq_topic, find, parse_position, read_letters
    from infra.redrive import redrive_record

    settings = get_settings()
    name = check_dlq_topic(topic)
    partition, at = parse_position(offset)
    stored = find(read_letters(settings, name), at, partition)
    with _database(settings) as conn:
        done = redrive_record(conn, name, stored.partition, stored.offset)
    console.print(f"[bold]{name}[/] partition {stored.partition} offset {stored.offset}")
    console.print(f"dead-lettered  {_when(stored.timestamp)}")
    if done:
        source, new_partition, new_offset, who, when = done
        console.print(
            f"re-driven      {_when(when)} by {who}: the copy is {source}[{new_partition}]@{new_offset}",
            markup=False,
        )
    else:
        console.print("re-driven      no")
    letter = stored.letter
    if letter is None:
        console.print(f"[red]{stored.reason}[/]")
        console.print(stored.raw.decode("utf-8", "replace"), markup=False)
        return
    console.print(f"error          {letter.error_type}: {letter.error}", markup=False)
    if stored.failed_contract:
        console.print(
            f"               it failed the {letter.source_topic} contract: re-driven as it is, it is refused "
            "again unless the contract changed since",
            markup=False,
        )
    console.print(f"processor      {letter.processor}")
    console.print(f"source         {letter.source_topic} partition {letter.partition} offset {letter.offset}")
    console.print(f"key            {letter.key}", markup=False)
    if letter.value_size is None:
        console.print("value:")
    else:
        console.print(
            f"value: its first {len(letter.value.encode()):,} of {letter.value_size:,} bytes (too large to "
            "keep whole; the original is at its source position, which `redrive` cannot reproduce):"
        )
    console.print(letter.value, markup=False)


@app.command("redrive")
def redrive(
    topic: str = typer.Argument(..., help="The dead-letter topic (payments.dlq or payments)."),
    where: str = typer.Option(
        None, "--where", help="FIELD~TEXT (contains) or FIELD=TEXT; fields: reason, error_type, key, value…"
    ),
    offsets: str = typer.Option(None, "--offsets", help="Comma-separated OFFSET or PARTITION:OFFSET list."),
    everything: bool = typer.Option(False, "--all", help="Every dead letter of the topic."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be re-driven; produce nothing."),
) -> None:
    """Produce the chosen dead letters' original key and bytes to their source topic, each at most once."""
    from infra import redrive as redriving
    from infra.dead_letters import check_dlq_topic, parse_position, read_letters, source_topic_of

    settings = get_settings()
    name = check_dlq_topic(topic)
    positions = [parse_position(part) for part in offsets.split(",") if part.strip()] if offsets else None
    chosen = redriving.select(
        read_letters(settings, name), positions=positions, condition=where, everything=everything
    )
    with _database(settings) as conn:
        result = redriving.redrive(settings, conn, name, chosen, f"cli:{getpass.getuser()}", dry_run=dry_run)
    verb = "would re-drive" if dry_run else "re-drove"
    for done in result.redriven:
        stored, letter = done.letter, done.letter.letter
        landed = "" if dry_run else f" → {letter.source_topic}[{done.new_partition}]@{done.new_offset}"
        console.print(f"[green]✓[/] {stored.partition}:{stored.offset} key {letter.key}{landed}", markup=True)
    for skipped in result.skipped:
        console.print(f"· skipped {skipped.letter.partition}:{skipped.letter.offset}: {skipped.why}")
    for failed in result.failed:
        console.print(f"[red]✗[/] {failed.letter.partition}:{failed.letter.offset}: {failed.why}")
    console.print(
        f"{verb} {len(result.redriven)} of {len(chosen)} chosen; {len(result.skipped)} skipped"
        + (f"; {len(result.failed)} failed (not recorded: run again)" if result.failed else "")
    )
    if contract := sum(done.failed_contract for done in result.redriven):
        console.print(
            f"[yellow]![/] {contract} of them failed the {source_topic_of(name)} contract: re-driven as"
            " they are, they will be dead-lettered again unless the contract changed since (an upgrade);"
            " usually the sender fixes them and sends them again",
            markup=True,
        )
    if result.failed:
        raise typer.Exit(1)
