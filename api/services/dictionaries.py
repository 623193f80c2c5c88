"""The code dictionaries in force: an admin's saved version (PostgreSQL), else the file, else the built-ins.

Every API worker keeps the dictionaries it last read and reads the saved row again when that is older than
`DictionaryBook.TTL_S`: recording an action checks its codes without a query, and a save on one worker
reaches the others within seconds (the worker that saved it at once).

A save replaces every dictionary, names the version it was based on (a save based on an older one is
refused, 409, rather than silently undoing another admin's), keeps the codes the product acts on by name
(`domain.dictionaries.PROTECTED_CODES`) and the case codes a live strategy's conditions name, and is
audited. Actions recorded with a code later removed keep it: history is not rewritten, only new actions are
checked against the new lists.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson
import psycopg
import psycopg_pool
from psycopg.types.json import Jsonb

from api.errors import field_error
from api.queries import audit
from api.services.strategies import strategies_naming, strategies_naming_unknown
from api.stale import require_current
from contracts.writes import DictionariesAdmin, DictionariesUpdate
from domain.dictionaries import (
    CASE_FIELDS,
    DEFAULT_DICTIONARIES,
    Dictionaries,
    InvalidDictionaries,
    parse_dictionaries,
    protected_codes,
    removed_protected,
    why_protected,
)
from infra.locks import hold_until_commit

log = logging.getLogger(__name__)
_SELECT = "SELECT document, version, updated_at, updated_by FROM dictionaries"


def load_dictionaries(path: Path | None) -> Dictionaries:
    """The file's dictionaries (``CRM_DICTIONARIES_FILE``), else the defaults; InvalidDictionaries says
    what is wrong with a bad file, so the API refuses to start instead of rejecting actions later."""
    if path is None:
        return DEFAULT_DICTIONARIES
    try:
        document = orjson.loads(path.read_bytes())
    except OSError as error:
        raise InvalidDictionaries(f"cannot read the dictionaries file {path}: {error.strerror}") from None
    except orjson.JSONDecodeError as error:
        raise InvalidDictionaries(f"the dictionaries file {path} is not valid JSON: {error}") from None
    try:
        loaded = parse_dictionaries(document)
    except InvalidDictionaries as error:
        raise InvalidDictionaries(f"the dictionaries file {path}: {error}") from None
    # The results the product acts on by name, as an admin's save must keep them: without them a promise, a
    # cease request, a dispute or a wrong number could not be recorded, and nothing would say why until an
    # agent tried. (The protected channels may be left out: a bank that never calls needs no CALL.)
    lost = [
        code for name, code in removed_protected(DEFAULT_DICTIONARIES, loaded) if name == "action_results"
    ]
    if lost:
        reasons = ", ".join(f"{code} ({why_protected(code)})" for code in lost)
        raise InvalidDictionaries(
            f"the dictionaries file {path}: action_results lacks {reasons}; keep these codes (their labels"
            " can change)"
        )
    return loaded


def check_file_against_strategies(conn: psycopg.Connection, path: Path, book: DictionaryBook) -> None:
    """When the file's dictionaries are in force (no admin saved any), each case code a live strategy's
    conditions name must be in them, as an admin's save must keep it: else the condition silently keeps
    matching the cases that still hold the code, and the strategy could not be published again as it
    stands. InvalidDictionaries says which, so the API refuses to start."""
    if book.read(conn) is not None:
        return  # an admin's dictionaries are in force; their save was checked
    if problems := list(strategies_naming_unknown(conn, book.fallback)):
        raise InvalidDictionaries(
            f"the dictionaries file {path}: {'; '.join(problems)}; put the code back in the file, change the"
            " strategy, then remove it"
        )


@dataclass(frozen=True, slots=True)
class Saved:
    dictionaries: Dictionaries
    version: int
    updated_at: datetime
    updated_by: str


def _saved(row: tuple | None) -> Saved | None:
    if row is None:
        return None
    document, version, updated_at, updated_by = row
    return Saved(parse_dictionaries(document), version, updated_at, updated_by)


class DictionaryBook:
    """One worker's dictionaries: the saved ones as last read (at most ``TTL_S`` old), else ``fallback``."""

    TTL_S = 5.0

    def __init__(
        self, fallback: Dictionaries, from_file: bool, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.fallback, self.fallback_source = fallback, "file" if from_file else "built-in"
        self._clock = clock
        self._saved: Saved | None = None
        self._read_at = -math.inf

    @property
    def stale(self) -> bool:
        return self._clock() - self._read_at >= self.TTL_S

    @property
    def known(self) -> Dictionaries:
        """What was last read, without reading again."""
        return self._saved.dictionaries if self._saved else self.fallback

    async def current(self, pool: psycopg_pool.AsyncConnectionPool) -> Dictionaries:
        if self.stale:
            self._read_at = self._clock()  # one read per period, however many requests find it stale
            try:
                async with pool.connection() as conn:
                    cursor = await conn.execute(_SELECT)
                    self.remember(_saved(await cursor.fetchone()))
            except psycopg.OperationalError as error:
                # PostgreSQL is down: what was read last stays in force (an action needs PostgreSQL anyway)
                log.warning("dictionaries not read again, the last ones stay", extra={"error": str(error)})
        return self.known

    def read(self, conn: psycopg.Connection) -> Saved | None:
        """The saved row now (a blocking read, for the admin's routes); remembered."""
        saved = _saved(conn.execute(_SELECT).fetchone())
        self.remember(saved)
        return saved

    def remember(self, saved: Saved | None) -> None:
        self._saved, self._read_at = saved, self._clock()

    def admin_view(self, saved: Saved | None) -> DictionariesAdmin:
        dictionaries = saved.dictionaries if saved else self.fallback
        return DictionariesAdmin.model_validate(
            {
                "dictionaries": dictionaries.as_dict(),
                "source": "saved" if saved else self.fallback_source,
                "version": saved.version if saved else 0,
                "updated_at": saved.updated_at if saved else None,
                "updated_by": saved.updated_by if saved else None,
                "protected": protected_codes(dictionaries),
            }
        )


def save(
    conn: psycopg.Connection, book: DictionaryBook, body: DictionariesUpdate, actor: str
) -> DictionariesAdmin:
    """Store the new dictionaries as the next version, all or nothing; 409 when another save came first,
    422 naming the dictionary when one is invalid or loses a code the contact rules act on."""
    document = body.dictionaries.model_dump(mode="json")
    try:
        new = parse_dictionaries(document)
    except InvalidDictionaries as error:
        name = str(error).split("[", 1)[0].split(":", 1)[0]
        raise field_error(f"dictionaries.{name}", str(error)) from None
    with conn.transaction():
        # One save at a time, also when there is no row to lock yet
        hold_until_commit(conn, "dictionaries")
        before = book.read(conn)
        version = before.version if before else 0
        saved_at = before.updated_at.isoformat() if before else None
        require_current(
            "the dictionaries", body.version, version, before and before.updated_by, saved_at, plural=True
        )
        previous = before.dictionaries if before else book.fallback
        for name, code in removed_protected(previous, new):
            raise field_error(
                f"dictionaries.{name}",
                f"{code} cannot be removed: {why_protected(code)} (its label can change)",
            )
        removed = {name: previous.codes(name) - new.codes(name) for name in set(CASE_FIELDS.values())}
        for name, reason in strategies_naming(conn, removed):
            raise field_error(f"dictionaries.{name}", reason)
        row = conn.execute(
            "INSERT INTO dictionaries (singleton, document, version, updated_at, updated_by)"
            " VALUES (true, %s, %s, now(), %s) ON CONFLICT (singleton) DO UPDATE SET"
            " document = EXCLUDED.document, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at,"
            " updated_by = EXCLUDED.updated_by RETURNING document, version, updated_at, updated_by",
            (Jsonb(document), version + 1, actor),
        ).fetchone()
        audit.record(conn, actor, "dictionaries.update", "dictionaries", {"version": version + 1, **document})
    saved = _saved(row)
    book.remember(saved)
    return book.admin_view(saved)
