"""Background activity at a chosen rate, produced straight to Kafka as a bank's channels and agents would.

- `pay_at_rate`: tiny payments on random loans, the steady load benchmarks measure latency under;
- `ActivitySimulator`: the demo's busy day: payments on delinquent loans (real amounts, some the whole
  overdue amount, so customers visibly leave their queues) and agents' calls (and field agents' visits,
  at the customer's address and in its city) with results from the code dictionaries, some of them
  promises to pay, which most customers keep (`KEPT_SHARE`: a payment of the promised amount on a business
  day up to the promise's date), so the dashboard's kept and broken promises read like a collection
  floor's. Everything is dated on the current business date, so the dashboard's
  "today" figures move. On each new business date most installments falling due on current loans are
  paid on their date (`ON_TIME_SHARE`; the rest roll into 1-29 days), and customers who have just fallen
  behind join (`crm.generator.newcomers`): without the first, every current customer rolled into arrears
  within a month of demo days; without the second, once their schedules end, the early buckets, and the
  queues of the teams that work them, drain into the later ones.
"""

from __future__ import annotations

import heapq
import random
import threading
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

import orjson
from pydantic import ValidationError

from contracts.customers import Address, visiting_address
from crm.generator.names import CITY_COORDINATES
from crm.generator.newcomers import EARLY, early_target, newcomer, newcomer_index, newcomers_due
from crm.settings import Settings
from domain.dictionaries import DEFAULT_DICTIONARIES, Dictionaries
from domain.money import WHOLE_UNIT_CURRENCIES
from domain.wording import count_of
from topics import physical_name
from topics.clients import make_producer


def pay_at_rate(
    settings: Settings, accounts: list[tuple[str, str]], rate: int, stop: threading.Event, seed: int = 1
) -> int:
    """Produce a 0.01 payment on a random ``(account, currency)`` ``rate`` times a second until ``stop``
    is set; returns how many were produced. Run it on a thread of its own."""
    producer = make_producer(settings)
    topic = physical_name("payments", settings)
    rnd = random.Random(seed)
    sent, started = 0, time.perf_counter()
    while not stop.is_set():
        account, currency = rnd.choice(accounts)
        payment = {
            "reference_number": f"LOAD-{uuid.uuid4().hex}",
            "account_number": account,
            "amount": "0.01",
            "currency": currency,
            "paid_at": "2027-01-01T09:00:00+07:00",
            "method": "CARD",
            "status": "COMPLETED",
        }
        producer.produce(topic, orjson.dumps(payment), account.encode())
        sent += 1
        producer.poll(0)
        ahead = sent / rate - (time.perf_counter() - started)
        if ahead > 0:
            time.sleep(ahead)
    producer.flush()
    return sent


# ---- the demo's activity ----

PAYMENT_SHARE = 0.35  # of simulated events; the rest are agents' calls
PAID_IN_FULL_SHARE = 0.3  # of payments: the whole overdue amount, so the customer leaves the queue
METHODS = (("BANK_TRANSFER", 50), ("AUTO_DEBIT", 15), ("CASH", 15), ("CARD", 15), ("OTHER", 5))
ON_TIME_METHODS = (("AUTO_DEBIT", 60), ("BANK_TRANSFER", 35), ("CASH", 5))
# Results of simulated calls. Disputes and cease-communication requests are left out: they would take
# customers out of the queues for good, and a demo should keep its queues full.
CALL_RESULTS = (
    ("NO_ANSWER", 30),
    ("PROMISE_TO_PAY", 25),
    ("LEFT_MESSAGE", 12),
    ("CALLBACK", 10),
    ("REFUSED", 8),
    ("WRONG_NUMBER", 5),
    ("PAID", 5),
)
NOTES = {
    "PROMISE_TO_PAY": "Customer promised to pay.",
    "REFUSED": "Customer refuses to pay.",
    "CALLBACK": "Asked to be called back.",
    "PAID": "Customer says the payment was already made.",
}
# Results of simulated field visits: no wrong number (a visit names an address), no message left on a phone.
VISIT_RESULTS = (
    ("NO_ANSWER", 30),
    ("PROMISE_TO_PAY", 30),
    ("CALLBACK", 10),
    ("REFUSED", 10),
    ("LEFT_MESSAGE", 10),
    ("PAID", 5),
)
VISIT_NOTES = {
    "NO_ANSWER": "Nobody at home.",
    "LEFT_MESSAGE": "Left a notice at the door.",
    "CALLBACK": "Asked us to come back later.",
}
VISIT_SHARE = 0.3  # of simulated actions on a customer with a field agent: a visit, the rest calls
MAX_VISIT_ADDRESS = 200  # contracts.actions.Visit.address (ShortText)
ON_TIME_SHARE = 0.95  # of installments falling due on a current loan: paid on their date
KEPT_SHARE = 0.6  # of simulated promises: paid in time (a collection floor keeps about half to two thirds)
CANDIDATES = 2_000  # delinquent loans sampled at each refresh
REFRESH_S = 10.0  # a new sample of delinquent loans this often
TODAY_REFRESH_S = 2.0  # the business date (one index lookup) this often, so events follow the clock


@dataclass
class DelinquentLoan:
    account_number: str
    cif: str
    currency: str
    overdue: Decimal
    agent_id: str | None  # the customer's current call agent
    phone: str | None = None  # the number the customer's campaign chose first: the one a call dials
    field_agent_id: str | None = None  # the customer's current field agent, when a campaign sends one
    address: str | None = None  # where a visit goes (`contracts.customers.visiting_address`), on one line
    position: tuple[float, float] | None = None  # the centre of the address's city, when the demo knows it


@dataclass
class ActivityCounts:
    payments: int = 0
    paid_in_full: int = 0
    actions: int = 0  # calls
    visits: int = 0
    promises: int = 0
    kept: int = 0  # payments that keep a simulated promise (counted in payments too)
    on_time: int = 0  # installments of current loans paid on their date (counted in payments too)
    fell_behind: int = 0  # new customers who missed an installment (crm.generator.newcomers)
    undelivered: int = 0

    def describe(self) -> str:
        return (
            f"{count_of(self.payments, 'payment')} ({self.paid_in_full:,} paying all arrears, "
            f"{self.kept:,} keeping a promise, {self.on_time:,} paying an installment on its date), "
            f"{count_of(self.actions, 'call')} and {count_of(self.visits, 'visit')} "
            f"({count_of(self.promises, 'promise')} to pay), "
            f"{count_of(self.fell_behind, 'customer')} newly behind"
        )


def _moment(day: date, now: datetime) -> str:
    """The business day at the wall clock's time of day: events of one day keep their order."""
    return datetime.combine(day, now.astimezone(UTC).time(), tzinfo=UTC).isoformat()


def _part_of(amount: Decimal, currency: str, rng: random.Random) -> Decimal:
    """Between a tenth and two thirds of ``amount``, in the currency's smallest unit (whole dong, cents):
    the bank's figures print whole dong as "538263.00", so the amount's own precision does not tell."""
    unit = Decimal(1) if currency in WHOLE_UNIT_CURRENCIES else Decimal("0.01")
    part = (amount * Decimal(rng.uniform(0.1, 0.66))).quantize(unit, rounding=ROUND_DOWN)
    return part if part >= unit else amount  # a part would be under one unit: pay it all


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    codes, weights = zip(*choices, strict=True)
    return rng.choices(codes, weights)[0]


def payment_for(loan: DelinquentLoan, day: date, now: datetime, rng: random.Random) -> dict:
    """A COMPLETED payment on ``loan``: all of its overdue amount sometimes, else a part of it."""
    full = rng.random() < PAID_IN_FULL_SHARE
    return payment_of(
        loan, loan.overdue if full else _part_of(loan.overdue, loan.currency, rng), day, now, rng
    )


def payment_of(loan: DelinquentLoan, amount: Decimal, day: date, now: datetime, rng: random.Random) -> dict:
    """A COMPLETED payment of ``amount`` on ``loan``, made on business day ``day``."""
    return _completed("SIM", loan.account_number, loan.currency, amount, day, now, rng, METHODS)


def _completed(
    prefix: str,
    account: str,
    currency: str,
    amount: Decimal,
    day: date,
    now: datetime,
    rng: random.Random,
    methods: tuple[tuple[str, int], ...],
) -> dict:
    """A COMPLETED payment made on business day ``day``, its reference ``prefix`` and a random id."""
    return {
        "reference_number": f"{prefix}-{uuid.UUID(int=rng.getrandbits(128)).hex}",
        "account_number": account,
        "amount": str(amount),
        "currency": currency,
        "paid_at": _moment(day, now),
        "method": _weighted(rng, methods),
        "status": "COMPLETED",
    }


def action_for(
    loan: DelinquentLoan,
    agent_id: str,
    day: date,
    now: datetime,
    rng: random.Random,
    dictionaries: Dictionaries = DEFAULT_DICTIONARIES,
    weighted_results: tuple[tuple[str, int], ...] = (),
) -> dict:
    """An outbound call by ``agent_id`` about ``loan``, its result from the dictionaries (weighted as
    ``weighted_results``, `CALL_RESULTS` by default); a promise to pay names a date within a week and all or
    part of the overdue amount. The call dials the number the campaign chose (``loan.phone``), so a wrong
    number flags it and the campaign moves on to the next."""
    known = dictionaries.codes("action_results")
    results = tuple((c, w) for c, w in weighted_results or CALL_RESULTS if c in known)
    result = _weighted(rng, results or ((dictionaries.action_results[0].code, 1),))
    types, subtypes = dictionaries.codes("action_types"), dictionaries.codes("action_subtypes")
    action = {
        "action_id": f"SIM-{uuid.UUID(int=rng.getrandbits(128)).hex}",
        "cif": loan.cif,
        "account_number": loan.account_number,
        "agent_id": agent_id,
        "type": "CALL" if "CALL" in types else dictionaries.action_types[0].code,
        "subtype": "OUTBOUND" if "OUTBOUND" in subtypes else dictionaries.action_subtypes[0].code,
        "result": result,
        "at": _moment(day, now),
    }
    if loan.phone:
        action["contact"] = {"channel": "PHONE", "number": loan.phone}
    if result in NOTES:
        action["notes"] = NOTES[result]
    if result == "PROMISE_TO_PAY":
        amount = loan.overdue if rng.random() < 0.5 else _part_of(loan.overdue, loan.currency, rng)
        action["promise"] = {
            "date": (day + timedelta(days=rng.randint(1, 7))).isoformat(),
            "amount": str(amount),
        }
    elif result == "CALLBACK":
        action["follow_up_date"] = (day + timedelta(days=rng.randint(1, 3))).isoformat()
    return action


def visit_for(
    loan: DelinquentLoan,
    agent_id: str,
    day: date,
    now: datetime,
    rng: random.Random,
    dictionaries: Dictionaries = DEFAULT_DICTIONARIES,
) -> dict:
    """A field visit by ``agent_id`` about ``loan``: a call's result and what goes with it, made at the
    customer's address (its `contact`, channel VISIT) and, where the demo knows the city, a position in it
    (its `visit`, as the web app records one)."""
    action = action_for(replace(loan, phone=None), agent_id, day, now, rng, dictionaries, VISIT_RESULTS)
    action["type"] = "VISIT"
    if action["result"] in VISIT_NOTES:
        action["notes"] = VISIT_NOTES[action["result"]]
    if loan.address:
        action["contact"] = {"channel": "VISIT", "number": loan.address}
    if loan.position:
        lat, lon = loan.position  # somewhere in the city: within about two kilometres of its centre
        action["visit"] = {
            "lat": round(lat + rng.uniform(-0.02, 0.02), 6),
            "lon": round(lon + rng.uniform(-0.02, 0.02), 6),
            "address": loan.address if loan.address and len(loan.address) <= MAX_VISIT_ADDRESS else None,
        }
    return action


def keeping_day(action: dict, rng: random.Random) -> date | None:
    """The business day on which the customer pays what ``action`` promised, or None for a promise they
    break (one in ``1 - KEPT_SHARE``): a day after the call, up to the promise's date."""
    promise = action.get("promise")
    if promise is None or rng.random() >= KEPT_SHARE:
        return None
    made = datetime.fromisoformat(action["at"]).date()
    due = date.fromisoformat(promise["date"])
    return made + timedelta(days=rng.randint(1, max(1, (due - made).days)))


def business_date(conn) -> date | None:
    """The business date the book has reached."""
    return conn.execute("SELECT max(business_date) FROM loan_delinquency").fetchone()[0]


def installments_due(conn, day: date) -> list[tuple[str, str, Decimal]]:
    """``(account, currency, amount owed)`` of each installment falling due on ``day`` on a loan that is
    current (its schedule as the bank's snapshot gave it: what is still owed on it then)."""
    rows = conn.execute(
        "SELECT d.account_number, d.currency, i.principal + i.interest + i.fees + i.penalty - i.paid"
        " FROM loan_delinquency d JOIN installments i"
        "   ON i.account_number = d.account_number AND i.due_date = %s"
        " WHERE d.dpd = 0 AND i.principal + i.interest + i.fees + i.penalty > i.paid",
        (day,),
    ).fetchall()
    return [(account, currency.strip(), owed) for account, currency, owed in rows]


def paid_on_time(
    due: list[tuple[str, str, Decimal]], day: date, now: datetime, rng: random.Random
) -> list[dict]:
    """The payments of the installments of ``due`` that their customers pay on their date
    (``ON_TIME_SHARE`` of them, by debit order mostly); the others are left to fall behind."""
    return [
        _completed("DUE", account, currency, owed, day, now, rng, ON_TIME_METHODS)
        for account, currency, owed in due
        if rng.random() < ON_TIME_SHARE
    ]


def early_customers(conn) -> int:
    """How many customers are 1-29 days past due at worst, as the book says now."""
    return conn.execute(
        "SELECT count(*) FROM customer_delinquency WHERE max_dpd BETWEEN %s AND %s", EARLY
    ).fetchone()[0]


# The first phone a campaign of the customer chose (strategy_assignments.campaigns, as the strategy wrote it).
_CHOSEN_PHONE = """(SELECT c -> 'contacts' -> 0 ->> 'value'
    FROM strategy_assignments s, jsonb_array_elements(s.campaigns) AS c
    WHERE s.cif = d.cif AND c -> 'contacts' -> 0 ->> 'channel' = 'PHONE' LIMIT 1)"""


def delinquent_loans(conn, limit: int = CANDIDATES) -> list[DelinquentLoan]:
    """A random sample of loans with something overdue, each with its customer's call agent and the number
    their campaign chose to call, and their field agent and the address a visit goes to."""
    rows = conn.execute(
        "SELECT d.account_number, d.cif, d.currency, d.overdue_amount, a.agent_id, "
        + _CHOSEN_PHONE
        + ", f.agent_id, c.addresses"
        " FROM loan_delinquency d LEFT JOIN agent_assignments a"
        "   ON a.cif = d.cif AND a.agent_type = 'CALL' AND a.valid_to IS NULL"
        " LEFT JOIN agent_assignments f ON f.cif = d.cif AND f.agent_type = 'FIELD' AND f.valid_to IS NULL"
        " LEFT JOIN customers c ON c.cif = d.cif"
        " WHERE d.overdue_amount > 0 ORDER BY random() LIMIT %s",
        (limit,),
    ).fetchall()
    return [
        DelinquentLoan(r[0], r[1], r[2].strip(), Decimal(r[3]), r[4], r[5], r[6], *_visited(r[7] or []))
        for r in rows
    ]


def _visited(addresses: list[dict]) -> tuple[str | None, tuple[float, float] | None]:
    """The address a visit goes to, on one line, and its city's centre when the demo knows it."""
    try:
        place = visiting_address([Address.model_validate(a) for a in addresses])
    except ValidationError:
        return None, None  # stored by an older version of the contract: the visit names no address
    if place is None:
        return None, None
    return place.one_line(), CITY_COORDINATES.get(place.city)


class ActivitySimulator:
    """Produces payments, calls and visits at ``rate`` a second until ``stop`` is set (run it on a thread)."""

    def __init__(
        self, settings: Settings, rate: float, dictionaries: Dictionaries = DEFAULT_DICTIONARIES, seed=None
    ) -> None:
        self.settings, self.rate, self.dictionaries = settings, rate, dictionaries
        self.rng = random.Random(seed)
        self.counts = ActivityCounts()
        self._loans: list[DelinquentLoan] = []
        # promises the customers will keep: (the day they pay, a tie-break, the loan, the promised amount)
        self._keeping: list[tuple[date, int, DelinquentLoan, Decimal]] = []
        self._today: date | None = None
        self._early_target: int | None = None  # set at the first look at the book
        self._sampled = self._dated = float("-inf")

    def _refresh(self, conn) -> date | None:
        """Look at the book again when it is time; the business date when it moved since the last look
        (not at the first: the dates this run did not see move may have had their newcomers already)."""
        now, moved = time.monotonic(), None
        if now - self._dated >= TODAY_REFRESH_S:
            today, self._dated = business_date(conn), now
            if self._early_target is None:
                self._early_target = early_target(
                    conn.execute("SELECT count(*) FROM customers").fetchone()[0]
                )
            elif today is not None and self._today is not None and today > self._today:
                moved = today
            self._today = today
        if not self._loans or now - self._sampled >= REFRESH_S:
            self._loans, self._sampled = delinquent_loans(conn), now
        return moved

    def newcomers(self, day: date, early_now: int, now: datetime) -> list[tuple[str, str, dict]]:
        """``(topic, key, record)`` of the customers who fell behind by business date ``day``, enough to
        bring those 1-29 days past due (``early_now``) back toward the portfolio's share."""
        due = newcomers_due(self._early_target or 0, early_now)
        self.counts.fell_behind += due
        return [event for n in range(due) for event in newcomer(self.rng, newcomer_index(day, n), day, now)]

    def _new_day(self, conn, producer, day: date) -> None:
        """A business date's own events: the installments paid on their date, then the newcomers."""
        now = datetime.now(UTC)
        payments = paid_on_time(installments_due(conn, day), day, now, self.rng)
        self.counts.on_time += len(payments)
        self.counts.payments += len(payments)
        events = [("payments", p["account_number"], p) for p in payments]
        for topic, key, record in [*events, *self.newcomers(day, early_customers(conn), now)]:
            self._produce(producer, topic, key, record)

    def _produce(self, producer, topic: str, key: str, record: dict) -> None:
        producer.produce(
            physical_name(topic, self.settings),
            orjson.dumps(record),
            key.encode(),
            on_delivery=self._delivered,
        )
        producer.poll(0)

    def _delivered(self, error, _message) -> None:
        if error is not None:
            self.counts.undelivered += 1

    def next_event(self, today: date, now: datetime) -> tuple[str, str, dict]:
        """(topic, key, value) of the next simulated event on business day ``today``: a promise kept today
        first, else a payment or a call about a sampled delinquent loan."""
        if self._keeping and self._keeping[0][0] <= today:
            _day, _n, loan, amount = heapq.heappop(self._keeping)
            self.counts.payments += 1
            self.counts.kept += 1
            return "payments", loan.account_number, payment_of(loan, amount, today, now, self.rng)
        loan = self.rng.choice(self._loans)
        if self.rng.random() < PAYMENT_SHARE or loan.agent_id is None:
            payment = payment_for(loan, today, now, self.rng)
            paid = Decimal(payment["amount"])
            if paid >= loan.overdue:
                self._loans.remove(loan)  # paid up: not paid again before the next refresh
                self.counts.paid_in_full += 1
            else:
                loan.overdue -= paid
            self.counts.payments += 1
            return "payments", loan.account_number, payment
        visit = loan.field_agent_id and "VISIT" in self.dictionaries.codes("action_types")
        if visit and self.rng.random() < VISIT_SHARE:
            action = visit_for(loan, loan.field_agent_id, today, now, self.rng, self.dictionaries)
            self.counts.visits += 1
        else:
            action = action_for(loan, loan.agent_id, today, now, self.rng, self.dictionaries)
            self.counts.actions += 1
        if "promise" in action:
            self.counts.promises += 1
            day = keeping_day(action, self.rng)
            if day is not None:
                amount = Decimal(action["promise"]["amount"])
                heapq.heappush(self._keeping, (day, self.counts.promises, loan, amount))
        return "agent.actions", loan.cif, action

    def _one(self, producer) -> None:
        self._produce(producer, *self.next_event(self._today, datetime.now(UTC)))

    def run(self, stop: threading.Event) -> ActivityCounts:
        import psycopg

        if self.rate <= 0:
            return self.counts
        producer = make_producer(self.settings, **{"linger.ms": 5})
        with psycopg.connect(self.settings.database_url, autocommit=True) as conn:
            started, events = time.perf_counter(), 0
            while not stop.is_set():
                if (moved := self._refresh(conn)) is not None:
                    self._new_day(conn, producer, moved)
                if self._today is None or not self._loans:
                    stop.wait(REFRESH_S)  # nothing overdue (yet): look again later, then start pacing anew
                    started, events = time.perf_counter(), 0
                    continue
                self._one(producer)
                events += 1
                ahead = events / self.rate - (time.perf_counter() - started)
                if ahead > 0:
                    stop.wait(ahead)
        producer.flush(30)
        return self.counts
