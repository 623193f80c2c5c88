"""`api.services.in_the_future`: the wall clock with a minute's skew, or the business date if ahead."""

from datetime import UTC, date, datetime, timedelta

from api.services import in_the_future

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_a_moment_past_the_clock_skew_is_in_the_future_and_one_within_it_is_not():
    assert in_the_future(NOW + timedelta(seconds=59), NOW) is None
    assert in_the_future(NOW + timedelta(minutes=2), NOW) == (
        "2026-12-07T09:02:00+00:00 is in the future (server time 2026-12-07T09:00:00+00:00)"
    )


def test_a_business_date_ahead_of_the_clock_moves_the_horizon_to_its_end_at_utc_minus_12():
    ahead = date(2027, 2, 7)
    end = datetime(2027, 2, 8, 12, 0, tzinfo=UTC)  # 2027-02-08 00:00 at UTC-12
    assert in_the_future(end - timedelta(seconds=1), NOW, ahead) is None
    assert in_the_future(end + timedelta(seconds=1), NOW, ahead).endswith("business date 2027-02-07)")
    past = date(2026, 3, 20)  # a business date behind the clock changes nothing
    assert in_the_future(NOW + timedelta(minutes=2), NOW, past) is not None
