import pytest

from api.queries.customers import VIEW, VIEW_NAMES, VIEW_POSITIONAL
from api.queries.raw import positional


def test_names_become_numbers_in_order_of_first_use():
    query = "SELECT %(b)s, %(a)s, %(b)s::text WHERE x = %(c_1)s"
    assert positional(query) == ("SELECT $1, $2, $1::text WHERE x = $3", ("b", "a", "c_1"))


def test_a_statement_without_placeholders_is_unchanged():
    assert positional("SELECT 1") == ("SELECT 1", ())


@pytest.mark.parametrize("query", ["SELECT %s", "SELECT 'a%%'", "SELECT %(a)s LIKE 'x%'"])
def test_other_percent_signs_are_refused(query):
    with pytest.raises(ValueError, match="another %"):
        positional(query)


def test_the_view_statement_is_long_enough_to_need_it_and_keeps_every_parameter():
    assert len(VIEW.encode()) > 4096  # psycopg's parse cache takes statements up to 4 KiB
    assert set(VIEW_NAMES) == {
        "cif",
        "see_everything",
        "see_agent",
        "see_team",
        "who",
        "role",
        "user_agent_id",
        "contact_results",
    }
    assert "%(" not in VIEW_POSITIONAL and f"${len(VIEW_NAMES)}" in VIEW_POSITIONAL
