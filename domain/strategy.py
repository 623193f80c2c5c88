"""Strategy (campaign) assignment: conditions over one customer's facts, compiled once, matched per group.

A strategy version has groups; a group has campaigns, each with a priority and conditions
``(field, operator, value)`` that must all hold. Groups are independent: within each, campaigns are tried
by priority (lowest number first, ties broken by campaign id) and the customer gets the first that matches.
A campaign without conditions matches everybody (a group's catch-all).

Loan-level fields (``loan.*`` and the per-loan ``custom.*``) hold when ONE loan of the customer satisfies
every loan-level condition of the campaign together: "a credit card more than 30 days late" must not match
a customer whose credit card is current and whose mortgage is late. A campaign with loan-level conditions
never matches a customer without loans.

Nulls follow SQL: a missing value satisfies IS NULL only; every other operator, ``!=`` and NOT IN included,
is false. Bucket fields order by bucket rank (``delinquency.bucket >= '60-89'`` means 60-89 or worse).
Custom fields are typed by their values: a number compares with numbers only, text with text; a string
that is a plain decimal number ("0.7", not "007") is a number, as in the ``bank.loans`` contract.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter

from domain.buckets import DEFAULT_BUCKETS, BucketConfig
from domain.contacts import ContactRule, CustomerContacts, SelectedContact, select_contacts
from domain.dates import add_days
from domain.errors import InvalidConfig
from domain.money import to_money


class InvalidStrategy(InvalidConfig):
    """A strategy that cannot be compiled; ``part`` names what is wrong ("field", "operator", "value"...)."""

    def __init__(self, message: str, part: str | None = None) -> None:
        super().__init__(message)
        self.part = part


class UnknownField(InvalidStrategy):
    pass


class UnknownOperator(InvalidStrategy):
    pass


class WrongValueType(InvalidStrategy):
    pass


class InvalidCondition(InvalidStrategy):
    """An operator with the wrong shape of value: IN without a list, IS NULL with a value, LIKE on numbers."""


class Operator(StrEnum):
    EQ = "="
    NE = "!="
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    IN = "IN"
    NOT_IN = "NOT IN"
    LIKE = "LIKE"
    IS_NULL = "IS NULL"
    IS_NOT_NULL = "IS NOT NULL"


ORDERING = frozenset({Operator.GT, Operator.GE, Operator.LT, Operator.LE})
MEMBERSHIP = frozenset({Operator.IN, Operator.NOT_IN})
NULL_TESTS = frozenset({Operator.IS_NULL, Operator.IS_NOT_NULL})
LISTS = list | tuple | set | frozenset


class Level(StrEnum):
    CUSTOMER = "customer"  # read from CustomerFacts (customer.*, delinquency.* and case.*)
    LOAN = "loan"  # read from each LoanFacts (loan.* and custom.*)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: type | None  # str, int, Decimal, date or bool; None for custom.*, typed by the value
    level: Level
    path: tuple[str, ...]  # attributes to read, from CustomerFacts or LoanFacts
    choices: frozenset[str] = frozenset()  # the closed list of a text field, when it has one
    is_bucket: bool = False  # a bucket label: checked against the buckets, ordered by rank
    # its values are codes (a segment, a currency): text whose order means nothing
    coded: bool = False


def _spec(
    name: str, kind: type, choices: tuple[str, ...] = (), is_bucket: bool = False, coded: bool = False
) -> FieldSpec:
    scope, attribute = name.split(".")
    level = Level.LOAN if scope == "loan" else Level.CUSTOMER
    path = (scope, attribute) if scope in ("delinquency", "case") else (attribute,)
    return FieldSpec(name, kind, level, path, frozenset(choices), is_bucket, coded or bool(choices))


PRODUCT_TYPES = ("PERSONAL_LOAN", "MORTGAGE", "AUTO_LOAN", "CREDIT_CARD", "OVERDRAFT")
FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        _spec("customer.cif", str),
        _spec("customer.type", str, ("INDIVIDUAL", "ORGANIZATION")),
        _spec("customer.segment", str, coded=True),
        _spec("customer.status", str, coded=True),
        _spec("customer.timezone", str, coded=True),
        _spec("customer.date_of_birth", date),
        # the customer asked the CRM to stop contacting them (an action with result CEASE_COMMUNICATION, ever)
        _spec("customer.cease_requested", bool),
        # a dispute about one of the customer's debts is open (not resolved, and raised less than the
        # contact rules' pause ago, domain.compliance): calls about it wait, other work may go on
        _spec("customer.dispute_open", bool),
        _spec("delinquency.max_dpd", int),
        _spec("delinquency.bucket", str, is_bucket=True),
        _spec("delinquency.overdue_total", Decimal),
        _spec("delinquency.outstanding_total", Decimal),
        _spec("delinquency.broken_promises", int),
        _spec("delinquency.loans_delinquent", int),
        _spec("delinquency.has_pending_promise", bool),
        # the CRM's own case (codes of the case_states, case_substates and recovery_abilities dictionaries;
        # NULL: not set)
        _spec("case.state", str, coded=True),
        _spec("case.substate", str, coded=True),
        _spec("case.recovery_ability", str, coded=True),
        _spec("loan.account_number", str),
        _spec("loan.product_type", str, PRODUCT_TYPES),
        _spec("loan.currency", str, coded=True),
        _spec("loan.status", str, ("OPEN", "CLOSED")),
        _spec("loan.dpd", int),
        _spec("loan.bucket", str, is_bucket=True),
        _spec("loan.overdue_amount", Decimal),
        _spec("loan.outstanding", Decimal),
    )
}
CUSTOM_PREFIX = "custom."
_CUSTOM_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")  # as the bank.loans contract
TYPE_NAMES = {
    str: "text",
    int: "a whole number",
    Decimal: "an exact amount (a Decimal, an int or a decimal string such as '1250.50')",
    date: "a date (YYYY-MM-DD)",
    bool: "true or false",
    None: "text, a whole number, an exact amount, a date or true/false",
}


@dataclass(frozen=True, slots=True)
class LoanFacts:
    account_number: str
    product_type: str
    currency: str
    dpd: int
    bucket: str
    overdue_amount: Decimal
    outstanding: Decimal
    status: str = "OPEN"
    custom: Mapping[str, object] = field(default_factory=dict)  # bool, int, Decimal or str values


@dataclass(frozen=True, slots=True)
class DelinquencySummary:
    max_dpd: int
    bucket: str
    # One amount each: with loans in several currencies the caller picks the figure to compare (usually the
    # main currency's total); loan.overdue_amount with loan.currency is the exact per-loan alternative.
    overdue_total: Decimal
    outstanding_total: Decimal
    broken_promises: int = 0
    loans_delinquent: int = 0
    has_pending_promise: bool = False


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """The statuses agents keep on the customer's case (None: not set, or no case yet)."""

    state: str | None = None
    recovery_ability: str | None = None
    substate: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    cif: str
    type: str
    segment: str
    status: str
    delinquency: DelinquencySummary
    loans: tuple[LoanFacts, ...] = ()
    contacts: CustomerContacts = CustomerContacts()
    flagged_contacts: frozenset[str] = frozenset()  # numbers and addresses not to use (WRONG_NUMBER...)
    timezone: str | None = None
    date_of_birth: date | None = None
    case: CaseFacts = CaseFacts()
    cease_requested: bool = False  # an action with result CEASE_COMMUNICATION was ever recorded
    dispute_open: bool = False  # an unresolved dispute raised less than the contact rules' pause ago


def field_spec(name: str) -> FieldSpec:
    """The catalogue entry of a field; ``custom.<name>`` is any lower-case per-loan custom field."""
    spec = FIELDS.get(name)
    if spec is not None:
        return spec
    key = name.removeprefix(CUSTOM_PREFIX)
    if key != name and "a" <= key[:1] <= "z" and set(key) <= _CUSTOM_NAME_CHARS:
        return FieldSpec(name, None, Level.LOAN, ("custom", key))
    raise UnknownField(f"unknown field {name!r}; known: {', '.join(FIELDS)}, custom.<name>", "field")


def operators_for(spec: FieldSpec) -> tuple[Operator, ...]:
    """The operators worth offering on a field: no ordering where values have no order (true/false, codes),
    LIKE on text only. The editor offers these; ``unordered_comparison`` refuses the rest when writing."""
    unordered = spec.type is bool or spec.coded
    return tuple(
        op
        for op in Operator
        if not (op in ORDERING and unordered) and not (op is Operator.LIKE and spec.type not in (str, None))
    )


def unordered_comparison(spec: FieldSpec, op: Operator) -> str | None:
    """Why ``op`` is refused on a coded field, or None. ``customer.segment >= 'MASS'`` compiles (text
    compares as text, and strategies published before this check must keep loading) but only says
    "alphabetically after MASS", which is never what an admin means: new versions are refused it."""
    if op in ORDERING and spec.coded:
        return (
            f"the values of {spec.name} are codes, which have no order ({op} would compare them "
            "alphabetically); name the ones meant with = or IN"
        )
    return None


def _show(value: object) -> str:
    if isinstance(value, LISTS):
        return "(" + ", ".join(_show(member) for member in value) + ")"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    return "NULL" if value is None else format(value, "f") if isinstance(value, Decimal) else str(value)


def _plain_number(text: str) -> Decimal | None:
    """A Decimal for text that is a plain decimal number exactly as written ("0.7", "-12"), else None."""
    if not text or not (text[0].isdigit() or text[0] == "-"):
        return None
    try:
        number = Decimal(text)
    except ArithmeticError:
        return None
    return number if number.is_finite() and format(number, "f") == text else None


def custom_value(value: object) -> object:
    """A loan's custom field as conditions compare it: a string that is a plain decimal number ("0.731", as
    the bank.loans contract defines decimals and as processors pass them on) is that number."""
    if isinstance(value, str):
        number = _plain_number(value)
        return value if number is None else number
    return value


def _as_int(value: object) -> int:
    number = _plain_number(value) if isinstance(value, str) else value  # "30" and "30.0" are 30
    if isinstance(number, int) or (
        isinstance(number, Decimal) and number.is_finite() and number == number.to_integral_value()
    ):
        return int(number)
    raise TypeError


def _as_date(value: object) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise TypeError


def _as_dynamic(value: object) -> object:
    if isinstance(value, str):
        number = _plain_number(value)
        return value if number is None else number
    if isinstance(value, Decimal) and not value.is_finite():
        raise TypeError
    if isinstance(value, bool | int | Decimal | date) and not isinstance(value, datetime):
        return value
    raise TypeError


def _exactly(kind: type) -> Callable[[object], object]:
    def check(value: object) -> object:
        if isinstance(value, kind):
            return value
        raise TypeError

    return check


_COERCE: dict[type | None, Callable[[object], object]] = {
    str: _exactly(str),
    int: _as_int,
    Decimal: to_money,  # refuses floats, NaN and non-numbers with a DomainError (a ValueError)
    date: _as_date,
    bool: _exactly(bool),
    None: _as_dynamic,
}


def _typed(spec: FieldSpec, value: object, buckets: BucketConfig) -> object:
    """The condition's value as the field's type; floats are refused everywhere (0.1 is not exact)."""
    try:
        if isinstance(value, float) or (isinstance(value, bool) and spec.type not in (bool, None)):
            raise TypeError
        typed = _COERCE[spec.type](value)
    except (TypeError, ValueError):
        floats = ": floats are not exact" if isinstance(value, float) else ""
        raise WrongValueType(
            f"{spec.name} takes {TYPE_NAMES[spec.type]}, not {value!r}{floats}", "value"
        ) from None
    if spec.choices and typed not in spec.choices:
        raise WrongValueType(
            f"{spec.name} is one of {', '.join(sorted(spec.choices))}, not {value!r}", "value"
        )
    if spec.is_bucket and typed not in buckets.labels:
        raise WrongValueType(
            f"{spec.name}: unknown bucket {value!r}; known: {', '.join(buckets.labels)}", "value"
        )
    return typed


def _kind(value: object) -> type | None:
    """The family a custom value compares within: bool, Decimal (every number), str or date."""
    if value is None or isinstance(value, bool):
        return None if value is None else bool
    if isinstance(value, int | Decimal | float):
        return Decimal
    return str if isinstance(value, str) else date if isinstance(value, date) else object


def _exact(value: object) -> object:
    return Decimal(repr(value)) if isinstance(value, float) else value  # a float as the digits it shows


_ANY, _ONE = object(), object()


def _like_generic(tokens: list, text: str) -> bool:
    """Wildcard match that backtracks to the last % only: no exponential blow-up."""
    t = p = 0
    star, mark = -1, 0
    while t < len(text):
        if p < len(tokens) and (tokens[p] is _ONE or tokens[p] == text[t]):
            p, t = p + 1, t + 1
        elif p < len(tokens) and tokens[p] is _ANY:
            star, mark, p = p, t, p + 1
        elif star >= 0:
            p, mark = star + 1, mark + 1
            t = mark
        else:
            return False
    return all(token is _ANY for token in tokens[p:])


def like_matcher(pattern: str) -> Callable[[str], bool]:
    """SQL LIKE, case-sensitive: ``%`` any run, ``_`` one character, a backslash escapes either."""
    tokens: list = []
    escaped = False
    for ch in pattern:
        if escaped or ch not in "%_\\":
            tokens.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        else:
            tokens.append(_ANY if ch == "%" else _ONE)
    if escaped:
        raise InvalidCondition(f"LIKE {pattern!r}: the pattern ends with an escape character", "value")
    text = "".join(token for token in tokens if isinstance(token, str))
    wild = [n for n, token in enumerate(tokens) if not isinstance(token, str)]
    if not wild:
        return lambda s: s == text
    if _ONE not in tokens and wild == [len(tokens) - 1]:  # the usual shapes without a general match
        return lambda s: s.startswith(text)
    if _ONE not in tokens and wild == [0]:
        return lambda s: s.endswith(text)
    if _ONE not in tokens and wild == [0, len(tokens) - 1]:
        return lambda s: text in s
    return lambda s: _like_generic(tokens, s)


_ORDER: dict[Operator, Callable[[object], Callable[[object], bool]]] = {
    Operator.GT: lambda x: lambda v: v > x,
    Operator.GE: lambda x: lambda v: v >= x,
    Operator.LT: lambda x: lambda v: v < x,
    Operator.LE: lambda x: lambda v: v <= x,
}


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    operator: str
    value: object = None


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    condition: Condition  # operator as an Operator, value as the field's type
    level: Level
    read: Callable[[object], object]  # CustomerFacts or LoanFacts -> the field's value
    test: Callable[[object], bool]  # the value -> whether the condition holds

    def describe(self, subject: object) -> str:
        c = self.condition
        if c.operator in NULL_TESTS:
            return f"{c.field} {c.operator}"
        return f"{c.field} {c.operator} {_show(c.value)} (is {_show(self.read(subject))})"


def _reader(spec: FieldSpec) -> Callable[[object], object]:
    if spec.path[0] == "custom":
        key = spec.path[1]
        return lambda loan: loan.custom.get(key)
    return attrgetter(".".join(spec.path))  # implemented in C: the cheapest read per condition


def _check_shape(spec: FieldSpec, op: Operator, value: object) -> None:
    where = f"{spec.name} {op}"
    if op in NULL_TESTS:
        if value is not None:
            raise InvalidCondition(f"{where} takes no value, not {value!r}", "value")
    elif op in MEMBERSHIP:
        if not isinstance(value, LISTS) or not value:
            raise InvalidCondition(f"{where} needs a non-empty list of values, not {value!r}", "value")
        if any(member is None for member in value):
            raise InvalidCondition(f"{where}: a list cannot hold NULL; use IS NULL", "value")
    elif value is None:
        raise InvalidCondition(f"{where} needs a value; use IS NULL to test for a missing one", "value")
    elif isinstance(value, LISTS):
        raise InvalidCondition(f"{where} takes one value, not a list; use IN for a list", "value")
    elif op is Operator.LIKE and (spec.type not in (str, None) or not isinstance(value, str)):
        raise InvalidCondition(f"{where}: LIKE compares text with a text pattern", "value")
    elif op in ORDERING and (spec.type is bool or (spec.type is None and isinstance(value, bool))):
        raise InvalidCondition(f"{where}: true and false have no order", "value")


def _test(spec: FieldSpec, op: Operator, x: object, buckets: BucketConfig) -> Callable[[object], bool]:
    """The closure for a comparison with the typed value ``x`` (a frozenset for IN and NOT IN)."""
    if spec.type is None:  # custom: same family, then compare; floats read as their decimal text
        if op in MEMBERSHIP:
            keys = frozenset((_kind(member), member) for member in x)
            inside = lambda v: (_kind(v), _exact(v)) in keys  # noqa: E731
            return inside if op is Operator.IN else lambda v: v is not None and not inside(v)
        kind = _kind(x)
        if op is Operator.NE:
            return lambda v: v is not None and (_kind(v) is not kind or _exact(v) != x)
        compare = (lambda v: v == x) if op is Operator.EQ else _ORDER[op](x)
        return lambda v: _kind(v) is kind and compare(_exact(v))
    if op is Operator.IN:
        return lambda v: v in x
    if op is Operator.NOT_IN:
        return lambda v: v is not None and v not in x
    if op is Operator.EQ:
        return lambda v: v == x
    if op is Operator.NE:
        return lambda v: v is not None and v != x
    if spec.is_bucket:  # by rank, worse is greater: '120-179' > '90-119' although it sorts first as text
        ranks = {label: n for n, label in enumerate(buckets.labels)}
        by_rank = _ORDER[op](ranks[x])
        return lambda v: (rank := ranks.get(v)) is not None and by_rank(rank)
    compare = _ORDER[op](x)
    return lambda v: v is not None and compare(v)


def compile_condition(condition: Condition, buckets: BucketConfig = DEFAULT_BUCKETS) -> CompiledCondition:
    """Check a condition against the catalogue and turn it into closures; raises InvalidStrategy."""
    spec = field_spec(condition.field)
    try:
        op = Operator(condition.operator)
    except ValueError:
        known = ", ".join(o.value for o in Operator)
        raise UnknownOperator(
            f"unknown operator {condition.operator!r}; use one of {known}", "operator"
        ) from None
    value = condition.value
    _check_shape(spec, op, value)
    if op is Operator.IS_NULL:
        test = lambda v: v is None  # noqa: E731
    elif op is Operator.IS_NOT_NULL:
        test = lambda v: v is not None  # noqa: E731
    elif op is Operator.LIKE:
        matches = like_matcher(value)
        test = lambda v: isinstance(v, str) and matches(v)  # noqa: E731
    elif op in MEMBERSHIP:
        value = tuple(dict.fromkeys(_typed(spec, member, buckets) for member in value))
        test = _test(spec, op, frozenset(value), buckets)
    else:
        value = _typed(spec, value, buckets)
        test = _test(spec, op, value, buckets)
    return CompiledCondition(Condition(condition.field, op, value), spec.level, _reader(spec), test)


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    name: str
    priority: int
    conditions: tuple[Condition, ...] = ()
    contact_rules: tuple[ContactRule, ...] = ()


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: str
    campaigns: tuple[Campaign, ...]


@dataclass(frozen=True, slots=True)
class Strategy:
    version: int
    groups: tuple[Group, ...]


@dataclass(frozen=True, slots=True)
class Assignment:
    group_id: str
    campaign_id: str
    campaign_name: str
    strategy_version: int
    contacts: tuple[SelectedContact, ...]
    reason: str
    matched_loan: str | None = None  # the loan that satisfied the loan-level conditions, if there were any


_NO_MATCH = object()


@dataclass(frozen=True, slots=True)
class CompiledCampaign:
    campaign: Campaign
    customer_conditions: tuple[CompiledCondition, ...]
    loan_conditions: tuple[CompiledCondition, ...]
    # Campaigns with equal contact rules share this number, so a customer's selection is made once for all
    # of them (hashing the rules themselves on every match would cost more than it saves).
    contacts_key: int = 0

    def _match(self, facts: CustomerFacts) -> object:
        """_NO_MATCH, or the loan that matched (None when the campaign has no loan-level conditions)."""
        for c in self.customer_conditions:
            if not c.test(c.read(facts)):
                return _NO_MATCH
        if not self.loan_conditions:
            return None
        for loan in facts.loans:
            if all(c.test(c.read(loan)) for c in self.loan_conditions):
                return loan
        return _NO_MATCH


@dataclass(frozen=True, slots=True)
class CompiledGroup:
    id: str
    name: str
    strategy_version: int
    campaigns: tuple[CompiledCampaign, ...]  # in the order they are tried
    # facts → (index in campaigns, matched loan) or None: the generated fast path (domain.strategy_codegen)
    matcher: Callable[[CustomerFacts], tuple[int, object] | None] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class CompiledStrategy:
    version: int
    groups: tuple[CompiledGroup, ...]
    # The DPDs on reaching which some condition can change its answer (ascending, `turning_dpds`): DPD grows
    # a day a day with no event, so a customer's campaigns can change on the day a loan reaches one.
    turning_dpds: tuple[int, ...] = ()


def _compile_campaign(group: Group, campaign: Campaign, buckets: BucketConfig) -> CompiledCampaign:
    compiled = []
    for number, condition in enumerate(campaign.conditions, 1):
        try:
            compiled.append(compile_condition(condition, buckets))
        except InvalidStrategy as error:
            where = f"group {group.id!r}, campaign {campaign.id!r}, condition {number}"
            raise type(error)(f"{where}: {error}", error.part) from None
    customer = tuple(c for c in compiled if c.level is Level.CUSTOMER)
    return CompiledCampaign(campaign, customer, tuple(c for c in compiled if c.level is Level.LOAN))


def compile_strategy(strategy: Strategy, buckets: BucketConfig = DEFAULT_BUCKETS) -> CompiledStrategy:
    """Validate a strategy version and build its closures, once; raises InvalidStrategy naming the culprit."""
    group_ids: set[str] = set()
    campaign_ids: set[str] = set()
    rule_sets: dict[tuple[ContactRule, ...], int] = {}
    groups = []
    for group in strategy.groups:
        if group.id in group_ids:
            raise InvalidStrategy(f"group {group.id!r} appears twice", "id")
        group_ids.add(group.id)
        for campaign in group.campaigns:
            if campaign.id in campaign_ids:
                raise InvalidStrategy(
                    f"campaign {campaign.id!r} appears twice; campaign ids are unique", "id"
                )
            campaign_ids.add(campaign.id)
        ordered = sorted(group.campaigns, key=lambda c: (c.priority, c.id))
        campaigns = tuple(
            replace(
                _compile_campaign(group, campaign, buckets),
                contacts_key=rule_sets.setdefault(campaign.contact_rules, len(rule_sets)),
            )
            for campaign in ordered
        )
        from domain.strategy_codegen import group_matcher  # it reads this module's field catalogue

        matcher = group_matcher(campaigns, field_spec)
        groups.append(CompiledGroup(group.id, group.name, strategy.version, campaigns, matcher))
    return CompiledStrategy(strategy.version, tuple(groups), turning_dpds(groups, buckets))


# Fields that move on their own as business dates pass: DPD grows a day a day while something is past due,
# and with it the bucket. Nothing else a condition reads changes without an event.
GROWING_DPD = frozenset({"delinquency.max_dpd", "loan.dpd"})
GROWING_BUCKET = frozenset({"delinquency.bucket", "loan.bucket"})


def turning_dpds(groups: Iterable[CompiledGroup], buckets: BucketConfig = DEFAULT_BUCKETS) -> tuple[int, ...]:
    """The DPDs on reaching which a condition of ``groups`` can change its answer, ascending.

    ``>= 30`` turns on the day DPD reaches 30, ``> 30`` on 31, ``= 30`` (and ``!=``, ``IN``, ``NOT IN``) on
    30 and again on 31; a condition on a bucket turns at every bucket's lower bound.
    """
    turning: set[int] = set()
    for group in groups:
        for campaign in group.campaigns:
            for compiled in (*campaign.customer_conditions, *campaign.loan_conditions):
                condition = compiled.condition
                if condition.operator in NULL_TESTS:
                    continue
                if condition.field in GROWING_BUCKET:
                    turning.update(buckets.lows[1:])
                elif condition.field in GROWING_DPD:
                    values = condition.value if condition.operator in MEMBERSHIP else (condition.value,)
                    for value in values:
                        turning.update(_turns(condition.operator, value))
    return tuple(sorted(dpd for dpd in turning if dpd > 0))


def _turns(operator: Operator, value: int) -> tuple[int, ...]:
    if operator in (Operator.GE, Operator.LT):
        return (value,)
    if operator in (Operator.GT, Operator.LE):
        return (value + 1,)
    return (value, value + 1)  # equality and membership: on reaching the value and on passing it


def next_turn(dpds: Iterable[int], as_of: date, turning: tuple[int, ...]) -> date | None:
    """The first day after ``as_of`` on which one of ``dpds`` (each as of ``as_of``, growing a day a day
    while above 0) reaches one of the ``turning`` DPDs; None when none ever will."""
    soonest = None
    for dpd in dpds:
        if dpd > 0 and (at := bisect_right(turning, dpd)) < len(turning):
            days = turning[at] - dpd
            soonest = days if soonest is None else min(soonest, days)
    return None if soonest is None else add_days(as_of, soonest)


def _reason(group: CompiledGroup, compiled: CompiledCampaign, facts: CustomerFacts, loan: object) -> str:
    campaign = compiled.campaign
    why = [c.describe(facts) for c in compiled.customer_conditions]
    if isinstance(loan, LoanFacts):
        on_loan = " and ".join(c.describe(loan) for c in compiled.loan_conditions)
        why.append(f"on loan {loan.account_number}: {on_loan}")
    head = f"group {group.id}: campaign {campaign.id} ({campaign.name}, priority {campaign.priority})"
    return f"{head}, the first to match: " + ("; ".join(why) if why else "no conditions (catch-all)")


def match_campaign(
    group: CompiledGroup,
    facts: CustomerFacts,
    explain: bool = True,
    contacts: dict | None = None,
    select: bool = True,
) -> Assignment | None:
    """The first campaign of the group whose conditions all hold for the customer, or None.

    ``explain=False`` leaves the reason empty (see `explain`): it quotes every condition with the customer's
    values, which costs more than the matching; ``select=False`` leaves the contacts empty likewise (see
    `complete`). ``contacts`` caches the contact selection per rule list across the groups of one customer
    (campaigns often share their rules).
    """
    if group.matcher is not None:
        found = group.matcher(facts)
        if found is None:
            return None
        index, loan = found
        matches = ((group.campaigns[index], loan),)
    else:
        matches = ((c, m) for c in group.campaigns if (m := c._match(facts)) is not _NO_MATCH)
    for compiled, loan in matches:
        campaign = compiled.campaign
        rules = campaign.contact_rules
        selected = contacts.get(compiled.contacts_key) if contacts is not None else None
        if not select:
            selected = ()
        elif selected is None:
            selected = select_contacts(rules, facts.contacts, facts.flagged_contacts)
            if contacts is not None:
                contacts[compiled.contacts_key] = selected
        return Assignment(
            group.id,
            campaign.id,
            campaign.name,
            group.strategy_version,
            selected,
            _reason(group, compiled, facts, loan) if explain else "",
            loan.account_number if isinstance(loan, LoanFacts) else None,
        )
    return None


def evaluate(
    compiled: CompiledStrategy, facts: CustomerFacts, explain: bool = True, select: bool = True
) -> list[Assignment]:
    """One assignment per group that has a matching campaign, in the strategy's group order.

    With ``explain`` and ``select`` False the reasons and contacts are left empty. `matches` is the hot path
    when only the campaigns are needed (to see whether anything changed).
    """
    contacts: dict = {}
    found = (match_campaign(group, facts, explain, contacts, select) for group in compiled.groups)
    return [a for a in found if a is not None]


def matches(compiled: CompiledStrategy, facts: CustomerFacts) -> list[tuple[str, str, str | None]]:
    """(group id, campaign id, matched loan) per group with a matching campaign: `evaluate` without building
    anything else, through the generated matchers (domain.strategy_codegen)."""
    found = []
    for group in compiled.groups:
        if group.matcher is None:
            assignment = match_campaign(group, facts, explain=False, select=False)
            if assignment is not None:
                found.append((group.id, assignment.campaign_id, assignment.matched_loan))
            continue
        hit = group.matcher(facts)
        if hit is not None:
            loan = hit[1]
            found.append(
                (group.id, group.campaigns[hit[0]].campaign.id, loan.account_number if loan else None)
            )
    return found
