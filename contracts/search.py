"""`GET /api/search`: customers found in the search index, one page of them."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from contracts.common import Contract, CustomerType, MoneyOut


class SearchResult(Contract):
    """One customer as the search index knows them.

    A customer whose `bank.customers` record has not been indexed yet (only their loans or agent are) has no
    name, type or phones; one without a delinquency record has no bucket or DPD.
    """

    cif: str
    name: str | None = None  # company name for organisations
    type: CustomerType | None = None
    national_id: str | None = None  # registration number for organisations without one
    phones: list[str] = []  # as the bank sent them, then those agents added that the bank does not have
    addresses: list[str] = []  # on one line, the bank's then those agents added (the same words: once)
    bucket: str | None = None
    max_dpd: int | None = None  # as of the latest business date the index has seen
    overdue_total: dict[str, MoneyOut] = {}  # per currency
    agent_ids: list[str] = []  # current call and field agents
    account_numbers: list[str] = []


class SearchResults(Contract):
    total: int  # every match the caller may see, not only this page
    page: Annotated[int, Field(ge=1)]
    page_size: Annotated[int, Field(ge=1, le=100)]
    results: list[SearchResult]
