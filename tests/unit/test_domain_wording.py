from domain.wording import count_of


def test_one_is_singular_every_other_count_plural_and_grouped():
    assert count_of(1, "customer") == "1 customer"
    assert count_of(0, "customer") == "0 customers"
    assert count_of(12_500, "message") == "12,500 messages"
    assert count_of(2, "reply", "replies") == "2 replies"
    assert count_of(1, "reply", "replies") == "1 reply"
