"""The configurable code dictionaries: action types, subtypes and results, customer segments and statuses,
case states, substates and recovery abilities.

Each dictionary is an ordered list of codes with a human label (the web app builds its forms from them, in
this order). The built-in defaults hold what the interfaces promise and what the generator produces; a bank
replaces any of them with a JSON document of the same shape as ``GET /api/dictionaries``::

    {"action_results": [{"code": "PROMISE_TO_PAY", "label": "Promise to pay"}, ...], ...}

A case substate may also name the case ``states`` it goes with (``{"code": "COURT_FILED", "label": "Filed
in court", "states": ["LEGAL"]}``; none: any state), each a code of ``case_states``. A dictionary the
document leaves out keeps its default (the default substates keep only the document's own states).
Parsing is pure (the caller reads the file) and a bad document is one :class:`InvalidDictionaries` naming
where it is wrong, so a bad file stops the API at start-up with a clear message instead of rejecting
actions later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from domain.errors import InvalidConfig

CODE_PATTERN = re.compile(r"^[A-Z0-9_]{1,40}$")  # contracts.common.Code: what a message may carry
MAX_LABEL = 200


class InvalidDictionaries(InvalidConfig):
    """A dictionaries document that cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    label: str
    # case_substates only: the case states the substate goes with (empty: any state)
    states: tuple[str, ...] = ()


def _entries(*pairs: tuple[str, str]) -> tuple[Entry, ...]:
    return tuple(Entry(code, label) for code, label in pairs)


DEFAULT_ACTION_TYPES = _entries(
    ("CALL", "Phone call"),
    ("SMS", "SMS"),
    ("EMAIL", "E-mail"),
    ("VISIT", "Field visit"),
    ("LETTER", "Letter"),
)
DEFAULT_ACTION_SUBTYPES = _entries(
    ("OUTBOUND", "Outbound (we contacted them)"), ("INBOUND", "Inbound (they contacted us)")
)
DEFAULT_ACTION_RESULTS = _entries(
    ("PROMISE_TO_PAY", "Promise to pay"),
    ("PAID", "Says already paid"),
    ("NO_ANSWER", "No answer"),
    ("WRONG_NUMBER", "Wrong number"),
    ("REFUSED", "Refused to pay"),
    ("CALLBACK", "Call back later"),
    ("LEFT_MESSAGE", "Left a message"),
    ("DISPUTE", "Disputes the debt"),
    ("DISPUTE_RESOLVED", "Dispute resolved"),
    ("CEASE_COMMUNICATION", "Asked us to stop contacting them"),
)
DEFAULT_SEGMENTS = _entries(
    ("MASS", "Mass retail"),
    ("AFFLUENT", "Affluent"),
    ("PRIORITY", "Priority banking"),
    ("SME", "Small and medium enterprise"),
    ("CORPORATE", "Corporate"),
)
DEFAULT_CUSTOMER_STATUSES = _entries(("ACTIVE", "Active"), ("DORMANT", "Dormant"))
# A case's processing state and the customer's ability to pay (the CRM's own, set by agents and supervisors)
DEFAULT_CASE_STATES = _entries(
    ("NEW", "New"),
    ("CONTACTING", "Trying to reach the customer"),
    ("NEGOTIATING", "Negotiating"),
    ("PAYMENT_PLAN", "On a payment plan"),
    ("SKIP_TRACING", "Skip tracing (no working contact)"),
    ("HARDSHIP", "Hardship review"),
    ("LEGAL", "Legal action"),
    ("WRITE_OFF", "Write-off candidate"),
)
# Where within its state a case is, and the states each substate goes with (an admin may leave a substate's
# states empty: it then goes with any state)
DEFAULT_CASE_SUBSTATES = (
    Entry("AWAITING_CALLBACK", "Waiting for the customer to call back", ("CONTACTING", "NEGOTIATING")),
    Entry("AWAITING_DOCUMENTS", "Waiting for documents", ("NEGOTIATING", "PAYMENT_PLAN", "HARDSHIP")),
    Entry("PLAN_PROPOSED", "Payment plan proposed", ("NEGOTIATING", "HARDSHIP")),
    Entry("PLAN_BROKEN", "Payment plan broken", ("NEGOTIATING", "PAYMENT_PLAN")),
    Entry("SKIP_TRACE_RUNNING", "Skip trace running", ("SKIP_TRACING",)),
    Entry("DEMAND_LETTER_SENT", "Demand letter sent", ("CONTACTING", "LEGAL")),
    Entry("COURT_FILED", "Filed in court", ("LEGAL",)),
    Entry("JUDGMENT", "Judgment obtained", ("LEGAL",)),
)
DEFAULT_RECOVERY_ABILITIES = _entries(
    ("HIGH", "Able and willing to pay"),
    ("MEDIUM", "Able to pay part"),
    ("LOW", "Unlikely to pay"),
    ("NONE", "Cannot pay"),
)


@dataclass(frozen=True, slots=True)
class Dictionaries:
    action_types: tuple[Entry, ...] = DEFAULT_ACTION_TYPES
    action_subtypes: tuple[Entry, ...] = DEFAULT_ACTION_SUBTYPES
    action_results: tuple[Entry, ...] = DEFAULT_ACTION_RESULTS
    segments: tuple[Entry, ...] = DEFAULT_SEGMENTS
    customer_statuses: tuple[Entry, ...] = DEFAULT_CUSTOMER_STATUSES
    case_states: tuple[Entry, ...] = DEFAULT_CASE_STATES
    case_substates: tuple[Entry, ...] = DEFAULT_CASE_SUBSTATES
    recovery_abilities: tuple[Entry, ...] = DEFAULT_RECOVERY_ABILITIES
    _codes: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        codes = {name: frozenset(entry.code for entry in getattr(self, name)) for name in NAMES}
        object.__setattr__(self, "_codes", codes)

    def codes(self, name: str) -> frozenset[str]:
        """The codes of dictionary ``name`` (one of :data:`NAMES`)."""
        return self._codes[name]

    def as_dict(self) -> dict[str, list[dict]]:
        """The document form (the file's shape and ``GET /api/dictionaries``'s); a substate with its
        ``states`` (``[]``: any state)."""
        return {
            name: [
                {"code": e.code, "label": e.label, "states": list(e.states)}
                if name == WITH_STATES
                else {"code": e.code, "label": e.label}
                for e in getattr(self, name)
            ]
            for name in NAMES
        }

    def substate_refused(self, state: str | None, substate: str | None) -> str | None:
        """Why ``substate`` cannot go with ``state`` (None: it can, or either is unset or unknown)."""
        entry = next((e for e in self.case_substates if e.code == substate), None)
        if entry is None or not entry.states or state in entry.states:
            return None
        return (
            f"substate {substate} goes with the case states {', '.join(entry.states)}, "
            f"not {state if state else 'no state'}"
        )


WITH_STATES = "case_substates"  # the dictionary whose entries name the case states they go with
NAMES = (
    "action_types",
    "action_subtypes",
    "action_results",
    "segments",
    "customer_statuses",
    "case_states",
    "case_substates",
    "recovery_abilities",
)
DEFAULT_DICTIONARIES = Dictionaries()

# Which action field takes its code from which dictionary.
ACTION_FIELDS = {"type": "action_types", "subtype": "action_subtypes", "result": "action_results"}
# Which case field takes its code from which dictionary (each may be unset).
CASE_FIELDS = {"state": "case_states", "substate": "case_substates", "recovery_ability": "recovery_abilities"}


def _is_code(value: object) -> bool:
    return isinstance(value, str) and bool(CODE_PATTERN.match(value))


def _entry(where: str, item: object, with_states: bool) -> Entry:
    keys = {"code", "label"}
    if with_states:
        if not isinstance(item, Mapping) or not keys <= set(item) <= keys | {"states"}:
            raise InvalidDictionaries(f"{where}: expected an object with 'code', 'label' and maybe 'states'")
    elif not isinstance(item, Mapping) or set(item) != keys:
        raise InvalidDictionaries(f"{where}: expected an object with exactly 'code' and 'label'")
    code, label = item["code"], item["label"]
    if not _is_code(code):
        raise InvalidDictionaries(
            f"{where}.code: {code!r} is not a code (A-Z, 0-9 and _, 1 to 40 characters)"
        )
    if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL:
        raise InvalidDictionaries(f"{where}.label: expected text of 1 to {MAX_LABEL} characters")
    states = item.get("states") or []
    if not isinstance(states, list) or not all(_is_code(state) for state in states):
        raise InvalidDictionaries(f"{where}.states: expected a list of case state codes")
    if len(set(states)) != len(states):
        raise InvalidDictionaries(f"{where}.states: a case state appears twice")
    return Entry(code, label, tuple(states))


def _dictionary(name: str, items: object) -> tuple[Entry, ...]:
    if not isinstance(items, list) or not items:
        raise InvalidDictionaries(f"{name}: expected a non-empty list of {{code, label}} objects")
    with_states = name == WITH_STATES
    entries = tuple(_entry(f"{name}[{index}]", item, with_states) for index, item in enumerate(items))
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if entry.code in seen:
            raise InvalidDictionaries(f"{name}[{index}].code: {entry.code} appears twice")
        seen.add(entry.code)
    return entries


def parse_dictionaries(document: object) -> Dictionaries:
    """The dictionaries of a parsed JSON document; left-out dictionaries keep their defaults."""
    if not isinstance(document, Mapping):
        raise InvalidDictionaries("expected a JSON object with some of: " + ", ".join(NAMES))
    unknown = sorted(set(document) - set(NAMES))
    if unknown:
        raise InvalidDictionaries(f"unknown dictionary {unknown[0]!r}; known: {', '.join(NAMES)}")
    dictionaries = Dictionaries(**{name: _dictionary(name, items) for name, items in document.items()})
    states = dictionaries.codes("case_states")
    if WITH_STATES not in document:
        # the default substates go with the document's own case states: a file written before substates
        # named states (or replacing only the states) stays valid
        kept = tuple(
            Entry(e.code, e.label, tuple(s for s in e.states if s in states))
            for e in dictionaries.case_substates
        )
        dictionaries = replace(dictionaries, case_substates=kept)
    for index, entry in enumerate(dictionaries.case_substates):
        unknown = [state for state in entry.states if state not in states]
        if unknown:
            raise InvalidDictionaries(
                f"{WITH_STATES}[{index}].states: {unknown[0]} is not a case state (substate {entry.code})"
            )
    return dictionaries


def unknown_codes(
    dictionaries: Dictionaries, fields: Mapping[str, str], record: Mapping[str, str | None]
) -> list[tuple[str, str]]:
    """``(field, reason)`` for each of ``fields`` (field → dictionary) whose code in ``record`` is not in its
    dictionary; an unset (None) field is not checked."""
    problems = []
    for field_name, name in fields.items():
        code = record[field_name]
        if code is not None and code not in dictionaries.codes(name):
            allowed = ", ".join(entry.code for entry in getattr(dictionaries, name))
            problems.append((field_name, f"unknown {field_name} code {code!r}; allowed: {allowed}"))
    return problems


def unknown_action_codes(dictionaries: Dictionaries, action: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(field, reason)`` for each of the action's ``type``/``subtype``/``result`` not in its dictionary."""
    return unknown_codes(dictionaries, ACTION_FIELDS, action)


# Codes the product acts on by name, which must stay recordable as they are. The contact rules'
# (processors.queues.contacts.ContactCodes' defaults): calls count as attempts, a call the customer made
# (INBOUND) does not, a cease request or a dispute must be recorded to be honoured, and letters (the notices a
# cease request still allows) are exempt from the contact rules. The action contract's
# (contracts.actions): a promise goes only with PROMISE_TO_PAY, and WRONG_NUMBER stops campaigns selecting
# the number it names; renamed, promises and reports could no longer be recorded. A dictionary saved by an
# admin, or one the dictionaries file replaces, keeps them (their labels may change).
PROTECTED_CODES: dict[str, frozenset[str]] = {
    "action_types": frozenset({"CALL", "LETTER"}),
    "action_subtypes": frozenset({"INBOUND"}),
    "action_results": frozenset(
        {"CEASE_COMMUNICATION", "DISPUTE", "DISPUTE_RESOLVED", "PROMISE_TO_PAY", "WRONG_NUMBER"}
    ),
}


_CONTACT_RULES = "the contact rules act on it"
_WHY_PROTECTED = {
    "CALL": "calls count as attempts under the contact rules",
    "LETTER": "letters carry the notices a cease request still allows, and no contact rule applies to them",
    "INBOUND": "the contact rules tell the customer's calls from ours by it",
    "PROMISE_TO_PAY": "a promise to pay is recorded only with it",
    "WRONG_NUMBER": "campaigns stop selecting the number it reports",
}


def why_protected(code: str) -> str:
    """Why a code of :data:`PROTECTED_CODES` cannot be removed, in words."""
    return _WHY_PROTECTED.get(code, _CONTACT_RULES)


def protected_codes(dictionaries: Dictionaries) -> dict[str, list[str]]:
    """Per dictionary, its codes that cannot be removed (those of :data:`PROTECTED_CODES` it holds)."""
    return {
        name: [e.code for e in getattr(dictionaries, name) if e.code in PROTECTED_CODES.get(name, ())]
        for name in NAMES
    }


def removed_protected(before: Dictionaries, after: Dictionaries) -> list[tuple[str, str]]:
    """``(dictionary, code)`` of each protected code ``before`` holds and ``after`` lacks."""
    return [
        (name, code)
        for name, codes in protected_codes(before).items()
        for code in codes
        if code not in after.codes(name)
    ]
