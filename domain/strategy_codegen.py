"""One generated Python function per strategy group: try its campaigns in order, return the first match.

`domain.strategy` compiles each condition into a reader and a test; calling them through generic loops
costs more than the comparisons themselves. Here a group's conditions become a single function whose source
is built only from generated names (``r0``, ``x0``, ``t0``…) and a fixed set of operators — never from
configuration text — with the readers, typed values and tests bound as its globals. Plain comparisons on
typed fields are inlined; anything subtler (buckets by rank, custom fields, LIKE, NULL tests) calls the
condition's own compiled test, so both paths mean exactly the same.
"""

from __future__ import annotations

from collections.abc import Callable

INLINE = {">": ">", ">=": ">=", "<": "<", "<=": "<="}


def _expression(condition: object, spec: object, n: int, subject: str, bound: dict) -> str:
    """The source of one condition over ``subject``; binds what it needs in ``bound``."""
    bound[f"r{n}"], bound[f"t{n}"], bound[f"x{n}"] = condition.read, condition.test, condition.condition.value
    op = str(condition.condition.operator)
    typed = spec.type is not None and not spec.is_bucket
    if typed and op in INLINE:
        return f"((v := r{n}({subject})) is not None and v {INLINE[op]} x{n})"
    if typed and op == "=":
        return f"(r{n}({subject}) == x{n})"
    if typed and op == "IN":
        return f"(r{n}({subject}) in x{n})"
    return f"t{n}(r{n}({subject}))"


def group_matcher(
    campaigns: tuple, field_spec: Callable[[str], object]
) -> Callable[[object], tuple[int, object] | None]:
    """A function ``facts → (campaign index, matched loan or None)`` or None when no campaign matches."""
    bound: dict[str, object] = {"__builtins__": {}}
    lines = ["def match(f):"]
    n = 0
    for index, campaign in enumerate(campaigns):
        customer = []
        for condition in campaign.customer_conditions:
            customer.append(_expression(condition, field_spec(condition.condition.field), n, "f", bound))
            n += 1
        loan = []
        for condition in campaign.loan_conditions:
            loan.append(_expression(condition, field_spec(condition.condition.field), n, "s", bound))
            n += 1
        test = " and ".join(customer) or "True"
        if not loan:
            lines.append(f"    if {test}: return ({index}, None)")
            continue
        lines.append(f"    if {test}:")
        lines.append("        for s in f.loans:")
        lines.append(f"            if {' and '.join(loan)}: return ({index}, s)")
    lines.append("    return None")
    exec(compile("\n".join(lines), "<strategy group>", "exec"), bound)  # noqa: S102 - generated names only
    return bound["match"]
