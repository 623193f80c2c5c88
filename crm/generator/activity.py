"""What happens after the snapshot (payments, reversals, duplicates) and before it (agents' actions)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from crm.generator import names
from crm.generator.loans import GeneratedLoan
from crm.generator.schedules import money

RESULTS = (
    ("PROMISE_TO_PAY", 22),
    ("NO_ANSWER", 30),
    ("LEFT_MESSAGE", 12),
    ("CALLBACK", 10),
    ("REFUSED", 8),
    ("WRONG_NUMBER", 5),
    ("PAID", 8),
    ("DISPUTE", 3),
    ("CEASE_COMMUNICATION", 2),
)
CHANNELS = ("CALL", "SMS", "EMAIL", "VISIT", "LETTER")
CHANNEL_WEIGHTS = (76, 9, 4, 9, 2)
PROMISE_NOTES = (
    "Customer promised to pay.",
    "Khách hứa sẽ thanh toán.",
    "Will pay after salary day.",
    "Khách hẹn chuyển khoản cuối tuần.",
)
NOTES = {
    "REFUSED": "Customer refuses to pay.",
    "DISPUTE": "Customer disputes the amount due.",
    "CEASE_COMMUNICATION": "Customer asked us to stop contacting them.",
    "WRONG_NUMBER": "Số điện thoại không đúng người.",
}
METHODS = (("BANK_TRANSFER", 50), ("AUTO_DEBIT", 20), ("CASH", 15), ("CARD", 12), ("OTHER", 3))
# Chance that a delinquent loan gets a payment in the window, by how late it is.
PAY_CHANCE = ((29, 0.55), (59, 0.4), (89, 0.3), (179, 0.2), (10**6, 0.1))


def _overdue(loan: GeneratedLoan, snapshot: date) -> int:
    return sum(row.due - row.paid for row in loan.rows if row.due_date <= snapshot)


def _timestamp(rng: random.Random, day: date) -> str:
    return f"{day.isoformat()}T{rng.randint(8, 19):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}+07:00"


class PaymentStream:
    """Payments of one chunk: (paid_at, line) pairs, references numbered within the chunk."""

    def __init__(self, rng: random.Random, chunk: int, snapshot: date, days: int) -> None:
        self.rng, self.chunk, self.snapshot, self.days = rng, chunk, snapshot, days
        self.items: list[tuple[str, dict]] = []
        self.sequence = 0

    def _reference(self, prefix: str) -> str:
        self.sequence += 1
        return f"{prefix}{self.chunk:05d}{self.sequence:07d}"

    def _add(self, loan: GeneratedLoan, day: date, cents: int) -> None:
        rng = self.rng
        status = rng.choices(("COMPLETED", "FAILED", "PENDING"), (975, 18, 7))[0]
        payment = {
            "reference_number": self._reference("PAY"),
            "account_number": loan.record["account_number"],
            "amount": money(cents),
            "currency": loan.currency,
            "paid_at": _timestamp(rng, day),
            "method": rng.choices([m for m, _ in METHODS], [w for _, w in METHODS])[0],
            "status": status,
        }
        self.items.append((payment["paid_at"], payment))
        if rng.random() < 0.01:  # the channel sends the very same payment twice
            self.items.append((payment["paid_at"], payment))
        last = self.snapshot + timedelta(days=self.days)
        if status == "COMPLETED" and rng.random() < 0.005 and day < last:
            undo_day = min(last, day + timedelta(days=rng.randint(1, 3)))
            reversal = {
                **payment,
                "reference_number": self._reference("REV"),
                "status": "REVERSED",
                "reverses": payment["reference_number"],
                "paid_at": _timestamp(rng, undo_day),
            }
            if reversal["paid_at"] > payment["paid_at"]:
                self.items.append((reversal["paid_at"], reversal))

    def for_loan(self, loan: GeneratedLoan, dpd: int) -> None:
        if not loan.open:
            return
        rng, first, last = (
            self.rng,
            self.snapshot + timedelta(days=1),
            self.snapshot + timedelta(days=self.days),
        )
        overdue = _overdue(loan, self.snapshot)
        if overdue > 0 and rng.random() < next(p for limit, p in PAY_CHANCE if dpd <= limit):
            style = rng.random()
            if style < 0.4:
                cents = overdue
            elif style < 0.8:
                cents = overdue * rng.randint(20, 80) // 100 // loan.unit * loan.unit
            else:
                cents = next(row.due - row.paid for row in loan.rows if row.paid < row.due)
            if cents > 0:
                self._add(loan, first + timedelta(days=rng.randrange(self.days)), cents)
        on_time = 0.93 if overdue == 0 else 0.5
        for row in loan.rows:
            if first <= row.due_date <= last and rng.random() < on_time:
                day = min(last, max(first, row.due_date + timedelta(days=rng.randint(-4, 2))))
                self._add(loan, day, row.due)

    def keep_promise(self, loan: GeneratedLoan, promised: date, cents: int) -> None:
        """Most promises still open at the snapshot are kept: a payment by the promised date."""
        first = self.snapshot + timedelta(days=1)
        last = min(promised, self.snapshot + timedelta(days=self.days))
        if first <= last and self.rng.random() < 0.6:
            self._add(loan, first + timedelta(days=self.rng.randrange((last - first).days + 1)), cents)

    def lines(self) -> list[dict]:
        # stable sort: payments of one account stay in paid_at order, duplicates side by side
        return [payment for _, payment in sorted(self.items, key=lambda item: item[0])]


def actions_for(
    rng: random.Random,
    customer: dict,
    loans: list[GeneratedLoan],
    snapshot: date,
    agents: int,
    sequence: list[int],
    chunk: int,
) -> list[dict]:
    """A short history of contacts with a delinquent customer in the two weeks before the snapshot.

    Promises are dated from the contact on, so a few fall before the snapshot (and are broken by then).
    """
    behind = [(loan, _overdue(loan, snapshot)) for loan in loans]
    behind = [(loan, overdue) for loan, overdue in behind if overdue > 0]
    phone = customer["phones"][0]["number"]
    email = customer["emails"][0]["address"] if customer["emails"] else None
    home = customer["addresses"][0]
    coordinates = names.CITY_COORDINATES.get(home["city"])  # field agents only visit in Vietnam
    actions = []
    for _ in range(rng.choices((1, 2, 3), (50, 35, 15))[0] if behind else 0):
        loan, overdue = rng.choice(behind)  # agents chase the accounts that are behind
        kind = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        if (kind == "VISIT" and coordinates is None) or (kind == "EMAIL" and email is None):
            kind = "CALL"
        subtype = "INBOUND" if kind in ("CALL", "SMS", "EMAIL") and rng.random() < 0.1 else "OUTBOUND"
        if kind in ("SMS", "EMAIL", "LETTER") and subtype == "OUTBOUND":
            result = "LEFT_MESSAGE"  # a message sent; nobody answered it yet
        else:
            result = rng.choices([r for r, _ in RESULTS], [w for _, w in RESULTS])[0]
        sequence[0] += 1
        day = snapshot - timedelta(days=rng.randint(1, 14))
        action = {
            "action_id": f"ACT{chunk:05d}{sequence[0]:07d}",
            "cif": customer["cif"],
            "account_number": loan.record["account_number"],
            "agent_id": f"AG{rng.randrange(agents):05d}",
            "type": kind,
            "subtype": subtype,
            "result": result,
            "at": _timestamp(rng, day),
        }
        if result == "PROMISE_TO_PAY":
            amount = max(loan.unit, overdue * rng.choice((50, 100, 100)) // 100 // loan.unit * loan.unit)
            action["promise"] = {
                "date": (day + timedelta(days=rng.randint(2, 14))).isoformat(),
                "amount": money(amount),
            }
            action["notes"] = rng.choice(PROMISE_NOTES)
        elif result in NOTES:
            action["notes"] = NOTES[result]
        if result == "CALLBACK" or rng.random() < 0.2:
            action["follow_up_date"] = (snapshot + timedelta(days=rng.randint(1, 7))).isoformat()
        if kind == "VISIT":
            lat, lon = coordinates
            action["visit"] = {
                "lat": round(lat + (rng.random() - 0.5) / 10, 6),
                "lon": round(lon + (rng.random() - 0.5) / 10, 6),
                "address": f"{home['line1']}, {home['city']}",
            }
            action["contact"] = {"channel": "VISIT", "number": phone}
        elif kind == "EMAIL":
            action["contact"] = {"channel": "EMAIL", "number": email}
        elif kind != "LETTER":  # a letter is posted to the home address; it has no contact point
            action["contact"] = {"channel": "SMS" if kind == "SMS" else "PHONE", "number": phone}
        actions.append(action)
    return sorted(actions, key=lambda a: a["at"])
