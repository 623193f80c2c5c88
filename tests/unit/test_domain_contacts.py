"""Contact selection (domain/contacts.py): order, sources, verification, flags, duplicates, rule checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.contacts import (
    EMAIL_TYPES,
    PHONE_TYPES,
    Channel,
    ContactRule,
    ContactSource,
    CustomerContacts,
    Email,
    InvalidContactRule,
    Phone,
    Reference,
    contact_key,
    select_contacts,
    still_wrong,
)
from domain.errors import InvalidConfig

CONTACTS = CustomerContacts(
    phones=(
        Phone("HOME", "+1 555 0101"),
        Phone("MOBILE", "+1 555 0102", is_verified=True),
        Phone("MOBILE", "+1 555 0103", is_primary=True),
        Phone("WORK", "+1 555 0104", is_verified=True),
    ),
    emails=(Email("WORK", "Ann@Example.com"), Email("PERSONAL", "ann@home.example", is_verified=True)),
    references=(
        Reference("GUARANTOR", "Bob", (Phone("MOBILE", "+1 555 0201", is_verified=True),), ref_cif="C9"),
        Reference("RELATIVE", "Cy", (Phone("HOME", "+1 555 0301"), Phone("MOBILE", "+1 555 0302"))),
    ),
)
REFERENCE = ContactSource.REFERENCE


def values(selected) -> list[str]:
    return [contact.value for contact in selected]


def test_rule_order_then_type_order_then_primary_then_as_recorded():
    rules = [ContactRule(phone_types=("MOBILE", "HOME")), ContactRule(phone_types=("WORK",))]
    assert values(select_contacts(rules, CONTACTS)) == [
        "+1 555 0103",
        "+1 555 0102",
        "+1 555 0101",
        "+1 555 0104",
    ]
    assert [c.rule for c in select_contacts(rules, CONTACTS)] == [0, 0, 0, 1]


def test_verified_only():
    rule = ContactRule(phone_types=PHONE_TYPES, email_types=EMAIL_TYPES, verified_only=True)
    selected = select_contacts([rule], CONTACTS)
    assert values(selected) == ["+1 555 0102", "+1 555 0104", "ann@home.example"]
    assert [c.channel for c in selected] == [Channel.PHONE, Channel.PHONE, Channel.EMAIL]


def test_emails_by_type():
    selected = select_contacts([ContactRule(email_types=("PERSONAL", "WORK"))], CONTACTS)
    assert values(selected) == ["ann@home.example", "Ann@Example.com"]
    assert all(c.source is ContactSource.CUSTOMER and c.ref_cif is None for c in selected)


def test_reference_phones_say_whose_they_are():
    everyone = select_contacts([ContactRule(REFERENCE, phone_types=("MOBILE", "HOME"))], CONTACTS)
    assert values(everyone) == ["+1 555 0201", "+1 555 0302", "+1 555 0301"]
    bob = everyone[0]
    assert (bob.source, bob.ref_cif, bob.relationship, bob.name) == (REFERENCE, "C9", "GUARANTOR", "Bob")
    guarantors = select_contacts(
        [ContactRule(REFERENCE, ("MOBILE",), relationships=("GUARANTOR",))], CONTACTS
    )
    assert values(guarantors) == ["+1 555 0201"]


def test_flagged_numbers_are_left_out_however_they_are_written():
    rule = ContactRule(phone_types=("MOBILE",), email_types=("WORK",))
    selected = select_contacts([rule], CONTACTS, flagged={"+1 (555) 010-3", "ann@example.COM"})
    assert values(selected) == ["+1 555 0102"]


def test_a_contact_chosen_twice_keeps_its_first_rule():
    duplicated = CustomerContacts(
        phones=(Phone("MOBILE", "+1 555 0102"), Phone("HOME", "1-555-0102")),
        references=(Reference("RELATIVE", "Cy", (Phone("MOBILE", "+15550102"),)),),
    )
    rules = [
        ContactRule(phone_types=("HOME",)),
        ContactRule(phone_types=("MOBILE",)),
        ContactRule(REFERENCE, ("MOBILE",)),
    ]
    (only,) = select_contacts(rules, duplicated)
    assert (only.type, only.rule) == ("HOME", 0)


def test_no_rules_or_no_contacts_select_nothing():
    assert select_contacts([], CONTACTS) == ()
    assert select_contacts([ContactRule(phone_types=PHONE_TYPES)], CustomerContacts()) == ()


def test_contact_keys():
    assert contact_key("+1 (555) 010-0000") == contact_key("15550100000") == "15550100000"
    assert contact_key(" Ann@Example.COM ") == "ann@example.com"


@pytest.mark.parametrize(
    ("kwargs", "part"),
    [
        ({}, "phone_types"),  # selects nothing
        ({"phone_types": ("CELL",)}, "phone_types"),
        ({"email_types": ("WORK", "SPAM")}, "email_types"),
        ({"source": REFERENCE, "email_types": ("WORK",)}, "email_types"),  # references have phones only
        ({"phone_types": ("MOBILE",), "relationships": ("GUARANTOR",)}, "relationships"),
        ({"source": "NEIGHBOUR", "phone_types": ("MOBILE",)}, "source"),
    ],
)
def test_rules_are_checked(kwargs, part):
    with pytest.raises(InvalidContactRule, match=part) as raised:
        ContactRule(**kwargs)
    assert raised.value.part == part and isinstance(raised.value, InvalidConfig)


def test_a_rule_takes_strings_and_drops_repeated_types():
    rule = ContactRule("REFERENCE", ["MOBILE", "MOBILE", "HOME"])
    assert rule.source is REFERENCE and rule.phone_types == ("MOBILE", "HOME")


numbers = st.sampled_from(["+1 555 0001", "1-555-0001", "+1 555 0002", "555 0003", "+44 20 7946 0000"])
phones = st.builds(Phone, st.sampled_from(PHONE_TYPES), numbers, st.booleans(), st.booleans())
emails = st.builds(
    Email,
    st.sampled_from(EMAIL_TYPES),
    st.sampled_from(["a@x.io", "A@X.io", "b@y.io"]),
    st.booleans(),
    st.booleans(),
)
references = st.builds(
    Reference,
    st.sampled_from(["GUARANTOR", "RELATIVE"]),
    st.just("R"),
    st.lists(phones, max_size=3).map(tuple),
)
contact_books = st.builds(
    CustomerContacts,
    st.lists(phones, max_size=5).map(tuple),
    st.lists(emails, max_size=3).map(tuple),
    st.lists(references, max_size=2).map(tuple),
)
rule_lists = st.lists(
    st.one_of(
        st.builds(
            ContactRule,
            st.just(ContactSource.CUSTOMER),
            st.lists(st.sampled_from(PHONE_TYPES), min_size=1, max_size=4).map(tuple),
            st.lists(st.sampled_from(EMAIL_TYPES), max_size=4).map(tuple),
            st.booleans(),
        ),
        st.builds(
            ContactRule,
            st.just(REFERENCE),
            st.lists(st.sampled_from(PHONE_TYPES), min_size=1, max_size=4).map(tuple),
        ),
    ),
    max_size=4,
)


@given(rule_lists, contact_books, st.sets(numbers | st.just("a@x.io"), max_size=2))
def test_selection_is_unique_unflagged_and_obeys_its_rule(rules, contacts, flagged):
    selected = select_contacts(rules, contacts, flagged)
    keys = [(c.channel, contact_key(c.value)) for c in selected]
    assert len(keys) == len(set(keys))
    flagged_keys = {contact_key(value) for value in flagged}
    assert not any(contact_key(c.value) in flagged_keys for c in selected)
    assert [c.rule for c in selected] == sorted(c.rule for c in selected)
    for contact in selected:
        rule = rules[contact.rule]
        types = rule.phone_types if contact.channel is Channel.PHONE else rule.email_types
        assert contact.type in types and contact.source is rule.source
        assert contact.is_verified or not rule.verified_only


def test_a_number_reported_wrong_stays_so_unless_the_customer_was_reached_on_it_later():
    report = datetime(2026, 3, 2, 3, tzinfo=UTC)
    assert still_wrong(report, None)
    assert still_wrong(report, report)  # the same moment: the report stands
    assert still_wrong(report, report - timedelta(microseconds=1))
    assert not still_wrong(report, report + timedelta(microseconds=1))
    # the processor's fixed-width UTC text orders as the times do
    assert not still_wrong("2026-03-02T03:00:00.000000Z", "2026-03-02T03:00:00.000001Z")
