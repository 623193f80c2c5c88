"""The code dictionaries: defaults, a bank's document replacing some of them, and bad documents."""

from __future__ import annotations

import orjson
import pytest

from api.services.dictionaries import load_dictionaries
from contracts.actions import PROMISE_RESULT, WRONG_NUMBER
from contracts.writes import DictionariesPublic
from domain.dictionaries import (
    DEFAULT_DICTIONARIES,
    NAMES,
    PROTECTED_CODES,
    InvalidDictionaries,
    parse_dictionaries,
    protected_codes,
    removed_protected,
    unknown_action_codes,
)
from processors.queues.contacts import DEFAULT_CODES


def test_the_defaults_hold_the_promised_codes_and_what_the_generator_produces():
    d = DEFAULT_DICTIONARIES
    assert {"CALL", "SMS", "EMAIL", "VISIT", "LETTER"} <= d.codes("action_types")
    assert d.codes("action_subtypes") == {"INBOUND", "OUTBOUND"}
    promised = {"PROMISE_TO_PAY", "PAID", "NO_ANSWER", "WRONG_NUMBER", "REFUSED", "CALLBACK", "DISPUTE"}
    assert promised | {"CEASE_COMMUNICATION", "LEFT_MESSAGE", "DISPUTE_RESOLVED"} <= d.codes("action_results")
    assert {"MASS", "AFFLUENT", "PRIORITY", "SME", "CORPORATE"} <= d.codes("segments")
    assert {"ACTIVE", "DORMANT"} <= d.codes("customer_statuses")
    # every code the compliance rules act on can be recorded
    assert DEFAULT_CODES.right_party_results <= d.codes("action_results")
    assert DEFAULT_CODES.call_types <= d.codes("action_types")


def test_the_document_form_is_the_api_reply_and_reads_back_the_same():
    document = DEFAULT_DICTIONARIES.as_dict()
    assert list(document) == list(NAMES)
    assert document["action_types"][0] == {"code": "CALL", "label": "Phone call"}
    DictionariesPublic.model_validate(document)
    assert parse_dictionaries(orjson.loads(orjson.dumps(document))) == DEFAULT_DICTIONARIES


def test_a_document_replaces_the_dictionaries_it_names_and_keeps_the_order():
    results = [{"code": "PTP", "label": "Hứa trả"}, {"code": "NO_ANSWER", "label": "Không nghe máy"}]
    loaded = parse_dictionaries({"action_results": results})
    assert [e.code for e in loaded.action_results] == ["PTP", "NO_ANSWER"]
    assert loaded.action_types == DEFAULT_DICTIONARIES.action_types
    assert loaded.as_dict()["action_results"] == results


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "expected a JSON object"),
        ({"results": []}, "unknown dictionary 'results'; known: action_types"),
        ({"action_types": []}, "action_types: expected a non-empty list"),
        ({"action_types": [{"code": "CALL"}]}, "action_types[0]: expected an object with exactly"),
        ({"segments": [{"code": "mass", "label": "Mass"}]}, "segments[0].code: 'mass' is not a code"),
        ({"segments": [{"code": "MASS", "label": " "}]}, "segments[0].label: expected text"),
        (
            {"customer_statuses": [{"code": "A", "label": "x"}, {"code": "A", "label": "y"}]},
            "customer_statuses[1].code: A appears twice",
        ),
        (  # only substates name states
            {"case_states": [{"code": "NEW", "label": "New", "states": []}]},
            "case_states[0]: expected an object with exactly",
        ),
        (
            {"case_substates": [{"code": "X", "label": "x", "states": "LEGAL"}]},
            "case_substates[0].states: expected a list of case state codes",
        ),
        (
            {"case_substates": [{"code": "X", "label": "x", "states": ["LEGAL", "LEGAL"]}]},
            "case_substates[0].states: a case state appears twice",
        ),
        (
            {"case_substates": [{"code": "X", "label": "x", "states": ["NEW", "ON_HOLD"]}]},
            "case_substates[0].states: ON_HOLD is not a case state (substate X)",
        ),
        (  # a state removed while a substate still names it
            {
                "case_states": [{"code": "NEW", "label": "New"}],
                "case_substates": [{"code": "COURT_FILED", "label": "Filed", "states": ["LEGAL"]}],
            },
            "case_substates[0].states: LEGAL is not a case state (substate COURT_FILED)",
        ),
    ],
)
def test_a_bad_document_says_where_it_is_wrong(document, message):
    with pytest.raises(InvalidDictionaries) as error:
        parse_dictionaries(document)
    assert str(error.value).startswith(message)


def test_unknown_action_codes_name_the_field_and_the_allowed_codes():
    action = {"type": "CALL", "subtype": "SIDEWAYS", "result": "MAYBE"}
    problems = dict(unknown_action_codes(DEFAULT_DICTIONARIES, action))
    assert set(problems) == {"subtype", "result"}
    assert problems["subtype"] == "unknown subtype code 'SIDEWAYS'; allowed: OUTBOUND, INBOUND"
    assert problems["result"].startswith("unknown result code 'MAYBE'; allowed: PROMISE_TO_PAY, PAID,")
    assert (
        unknown_action_codes(DEFAULT_DICTIONARIES, {**action, "subtype": "INBOUND", "result": "PAID"}) == []
    )


def test_loading_the_file(tmp_path):
    assert load_dictionaries(None) is DEFAULT_DICTIONARIES
    path = tmp_path / "dictionaries.json"
    path.write_bytes(orjson.dumps({"action_subtypes": [{"code": "OUTBOUND", "label": "Out"}]}))
    assert load_dictionaries(path).codes("action_subtypes") == {"OUTBOUND"}
    path.write_text("{not json")
    with pytest.raises(InvalidDictionaries, match="dictionaries.json is not valid JSON"):
        load_dictionaries(path)
    path.write_text('{"action_types": [{"code": "call", "label": "Call"}]}')
    with pytest.raises(InvalidDictionaries, match=r"dictionaries.json: action_types\[0\].code: 'call'"):
        load_dictionaries(path)
    with pytest.raises(InvalidDictionaries, match="cannot read the dictionaries file .*missing.json"):
        load_dictionaries(tmp_path / "missing.json")


def test_the_file_keeps_the_results_the_product_acts_on_but_may_leave_out_channels(tmp_path):
    path = tmp_path / "dictionaries.json"
    results = [{"code": "PAID", "label": "Paid"}, {"code": "DISPUTE", "label": "Dispute"}]
    path.write_bytes(orjson.dumps({"action_results": results}))
    with pytest.raises(InvalidDictionaries) as refused:
        load_dictionaries(path)
    assert str(refused.value) == (
        f"the dictionaries file {path}: action_results lacks PROMISE_TO_PAY (a promise to pay is recorded"
        " only with it), WRONG_NUMBER (campaigns stop selecting the number it reports), DISPUTE_RESOLVED (the"
        " contact rules act on it), CEASE_COMMUNICATION (the contact rules act on it); keep these codes"
        " (their labels can change)"
    )
    # a bank that never calls or writes letters needs no CALL or LETTER
    path.write_bytes(orjson.dumps({"action_types": [{"code": "VISIT", "label": "Visit"}]}))
    assert load_dictionaries(path).codes("action_types") == {"VISIT"}


def test_the_codes_the_product_acts_on_are_protected_where_a_dictionary_holds_them():
    assert protected_codes(DEFAULT_DICTIONARIES)["action_results"] == [
        "PROMISE_TO_PAY",
        "WRONG_NUMBER",
        "DISPUTE",
        "DISPUTE_RESOLVED",
        "CEASE_COMMUNICATION",
    ]
    assert protected_codes(DEFAULT_DICTIONARIES)["action_subtypes"] == ["INBOUND"]
    bank = parse_dictionaries({"action_types": [{"code": "VISIT", "label": "Visit"}]})
    assert protected_codes(bank)["action_types"] == []  # a bank that never had CALL is not made to have it
    assert removed_protected(DEFAULT_DICTIONARIES, bank) == [
        ("action_types", "CALL"),
        ("action_types", "LETTER"),
    ]
    relabelled = parse_dictionaries(
        {"action_types": [{"code": "CALL", "label": "Gọi điện"}, {"code": "LETTER", "label": "Thư"}]}
    )
    assert removed_protected(DEFAULT_DICTIONARIES, relabelled) == []
    assert removed_protected(bank, DEFAULT_DICTIONARIES) == []
    # the protected codes are the contact rules' own (processors.queues.contacts.ContactCodes) and the
    # action contract's
    assert PROTECTED_CODES["action_types"] <= DEFAULT_CODES.call_types | DEFAULT_CODES.letter_types
    assert PROTECTED_CODES["action_subtypes"] <= DEFAULT_CODES.inbound_subtypes
    codes = DEFAULT_CODES
    rules = codes.cease_results | codes.dispute_results | codes.dispute_closing_results
    assert PROTECTED_CODES["action_results"] <= rules | {PROMISE_RESULT, WRONG_NUMBER}


def test_a_substate_goes_with_the_states_it_names_or_with_any_when_it_names_none():
    d = parse_dictionaries(
        {
            "case_substates": [
                {"code": "COURT_FILED", "label": "Filed in court", "states": ["LEGAL"]},
                {"code": "ON_HOLD", "label": "On hold"},  # no states (as saved before they existed): any
            ]
        }
    )
    assert d.as_dict()["case_substates"] == [
        {"code": "COURT_FILED", "label": "Filed in court", "states": ["LEGAL"]},
        {"code": "ON_HOLD", "label": "On hold", "states": []},
    ]
    assert d.substate_refused("LEGAL", "COURT_FILED") is None
    assert (
        d.substate_refused("NEW", "COURT_FILED")
        == "substate COURT_FILED goes with the case states LEGAL, not NEW"
    )
    assert d.substate_refused(None, "COURT_FILED") == (
        "substate COURT_FILED goes with the case states LEGAL, not no state"
    )
    assert d.substate_refused("NEW", "ON_HOLD") is None and d.substate_refused(None, "ON_HOLD") is None
    assert d.substate_refused("NEW", None) is None and d.substate_refused("NEW", "UNKNOWN") is None
    # every default substate names states, each a default state
    defaults = DEFAULT_DICTIONARIES
    assert all(e.states and set(e.states) <= defaults.codes("case_states") for e in defaults.case_substates)
    assert defaults.substate_refused("LEGAL", "JUDGMENT") is None


def test_a_document_with_its_own_states_keeps_the_default_substates_with_those_states_only():
    """A file written before substates named states, replacing the case states, stays valid."""
    states = [{"code": "NEW", "label": "New"}, {"code": "LEGAL", "label": "Legal"}]
    d = parse_dictionaries({"case_states": states})
    by_code = {e.code: e.states for e in d.case_substates}
    assert by_code["COURT_FILED"] == ("LEGAL",) and by_code["DEMAND_LETTER_SENT"] == ("LEGAL",)
    assert by_code["AWAITING_DOCUMENTS"] == ()  # none of its states is left: any state
    assert [e.code for e in d.case_substates] == [e.code for e in DEFAULT_DICTIONARIES.case_substates]
