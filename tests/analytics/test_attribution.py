"""Attribution on a small world worked out by hand, on the store and on DuckDB.

Day d means 2025-01-01 + d days, UTC. Amounts are the opportunities' amounts.

Lead 1 (created day 7, source paid_search) has touches
  a1 day 0 organic_search (no campaign), a2 day 7 paid_search/brand (its lead-creation touch),
  a3 day 14 email/newsletter, a4 day 21 webinar/webinar-q1 (at the opportunity's opening:
  inclusive, so it is the opportunity-creation touch), a6 day 28 events/expo-q1;
  a page view without UTM (not a touch) at day 14; opportunity O1 opened day 21, 1000, won day 35.
Lead 2 (created day 5, source referral, no activity touch: its acquisition touch is its own
  source at day 5): O2 opened day 12, 500, lost day 20.
Lead 3 (no source, no touch): O3 opened day 3, 200, won day 9 -> "(none)".
Lead 4 (created day 1): d1 webinar/webinar-q1 and d2 events/expo both at day 1, tied and
  ordered by id (d1 first; d2 is the last touch at creation: the lead-creation touch);
  O4 opened day 2, 100, lost day 4. Recycled: d3 day 29 paid_social/abm; second cycle's O5
  opened day 29, 300, won day 43, credited over the whole history d1, d2, d3.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert

from leadflow.activities.models import Activity
from leadflow.analytics.attribution import AttributionQuery, AttributionRequest
from leadflow.analytics.tables import ReportTables, duckdb_tables, store_tables
from leadflow.leads.models import Lead
from leadflow.lifecycle.models import Opportunity

T0 = datetime(2025, 1, 1, tzinfo=UTC)
REL = 1e-9


def day(d: float) -> datetime:
    return T0 + timedelta(days=d)


def touch(id_: int, lead: int | None, d: float, source: str | None, campaign: str | None = None):
    medium = {"organic_search": "organic", "paid_search": "cpc"}.get(source or "", source)
    return {
        "id": id_,
        "event_id": f"e{id_}",
        "lead_id": lead,
        "type": "page_view",
        "occurred_at": day(d),
        "received_at": day(d),
        "properties": {},
        "source": source,
        "medium": medium if source else None,
        "campaign": campaign,
    }


def lead(id_: int, d: float, source: str | None = None) -> dict:
    return {
        "id": id_,
        "email": f"lead{id_}@example.com",
        "source": source,
        "created_at": day(d),
        "stage_changed_at": day(d),
        "updated_at": day(d),
        "attributes": {},
    }


def opportunity(id_: int, lead_id: int, cycle: int, amount: float, opened: float, status: str,
                closed: float | None) -> dict:  # fmt: skip
    return {
        "id": id_,
        "lead_id": lead_id,
        "cycle": cycle,
        "amount": amount,
        "status": status,
        "opened_at": day(opened),
        "closed_at": None if closed is None else day(closed),
    }


LEADS = [lead(1, 7, "paid_search"), lead(2, 5, "referral"), lead(3, 0), lead(4, 1)]
ACTIVITIES = [
    touch(1, 1, 0, "organic_search"),
    touch(2, 1, 7, "paid_search", "brand"),
    touch(3, 1, 14, "email", "newsletter"),
    touch(4, 1, 21, "webinar", "webinar-q1"),
    touch(5, 1, 14, None),
    touch(6, 1, 28, "events", "expo-q1"),
    touch(7, 4, 1, "webinar", "webinar-q1"),
    touch(8, 4, 1, "events", "expo"),
    touch(9, 4, 29, "paid_social", "abm"),
    touch(10, None, 3, "paid_search", "brand"),  # anonymous: nobody's touch
]
OPPORTUNITIES = [
    opportunity(1, 1, 1, 1000, 21, "won", 35),
    opportunity(2, 2, 1, 500, 12, "lost", 20),
    opportunity(3, 3, 1, 200, 3, "won", 9),
    opportunity(4, 4, 1, 100, 2, "lost", 4),
    opportunity(5, 4, 2, 300, 29, "won", 43),
]


def load(engine: Engine, leads: list, activities: list, opportunities: list) -> None:
    with engine.begin() as connection:
        if leads:
            connection.execute(insert(Lead), leads)
        if activities:
            connection.execute(insert(Activity), activities)
        if opportunities:
            connection.execute(insert(Opportunity), opportunities)


@pytest.fixture(params=["store", "duckdb"])
def world(request: pytest.FixtureRequest, engine: Engine) -> ReportTables:
    load(engine, LEADS, ACTIVITIES, OPPORTUNITIES)
    return store_tables(engine) if request.param == "store" else duckdb_tables(engine)


def credit(tables: ReportTables, **request: object) -> dict[str, float]:
    query = AttributionQuery(AttributionRequest.model_validate(request))
    rows = query.expression(tables).to_pyarrow().to_pylist()
    return {row["channel"]: row["credit"] for row in rows}


def assert_credit(found: dict[str, float], expected: dict[str, float]) -> None:
    assert found.keys() == expected.keys()
    for channel, amount in expected.items():
        assert found[channel] == pytest.approx(amount, rel=REL), channel


# Pipeline: O1 1000 (touches a1..a4), O2 500 (referral), O3 200 (none), O4 100 (d1, d2),
# O5 300 (d1, d2, d3).
PIPELINE = {
    # O1 -> a1 organic; O4 and O5 -> d1 webinar: 100 + 300.
    "first_touch": {"organic_search": 1000, "referral": 500, "(none)": 200, "webinar": 400},
    # O1 -> a4 webinar, O4 -> d2 events, O5 -> d3 paid_social.
    "last_touch": {
        "webinar": 1000, "referral": 500, "(none)": 200, "events": 100, "paid_social": 300,
    },
    # O1: 1000/4 each; O4: 100/2 each; O5: 300/3 each. webinar 250 + 50 + 100, events 50 + 100.
    "linear": {
        "organic_search": 250, "paid_search": 250, "email": 250, "webinar": 400,
        "events": 150, "paid_social": 100, "referral": 500, "(none)": 200,
    },
    # O1: first a1 .4, creation a2 .4, a3 and a4 share .2 -> 400, 400, 100, 100.
    # O4: two touches, .4 and .4 normalised -> 50, 50. O5: d1 .4, d2 .4, d3 .2 -> 120, 120, 60.
    "u_shaped": {
        "organic_search": 400, "paid_search": 400, "email": 100, "webinar": 100 + 50 + 120,
        "events": 50 + 120, "paid_social": 60, "referral": 500, "(none)": 200,
    },
    # O1: a1 .3, a2 .3, a4 (opportunity creation) .3, a3 the rest .1 -> 300, 300, 300, 100.
    # O4: d1 first .3, d2 creation and opening .6 -> 100/3, 200/3. O5: .3 each -> 100 each.
    "w_shaped": {
        "organic_search": 300, "paid_search": 300, "email": 100, "webinar": 300 + 100 / 3 + 100,
        "events": 200 / 3 + 100, "paid_social": 100, "referral": 500, "(none)": 200,
    },
    # O1 at day 21: ages 21, 14, 7, 0 days -> weights 1/8, 1/4, 1/2, 1 of 15/8 -> 1000/15 * 1,
    # 2, 4, 8. O4: same age, 50 each. O5 at day 29: ages 28, 28, 0 -> 1/16, 1/16, 1 of 9/8 ->
    # 300/18, 300/18, 2400/9.
    "time_decay": {
        "organic_search": 1000 / 15, "paid_search": 2000 / 15, "email": 4000 / 15,
        "webinar": 8000 / 15 + 50 + 300 / 18, "events": 50 + 300 / 18, "paid_social": 2400 / 9,
        "referral": 500, "(none)": 200,
    },
}  # fmt: skip

# Revenue: O1 1000 at day 35 (touches a1..a4 and a6), O3 200 (none), O5 300 at day 43.
REVENUE = {
    "first_touch": {"organic_search": 1000, "(none)": 200, "webinar": 300},
    "last_touch": {"events": 1000, "(none)": 200, "paid_social": 300},
    # O1: 200 each of five; O5: 100 each of three.
    "linear": {
        "organic_search": 200, "paid_search": 200, "email": 200, "webinar": 300,
        "events": 300, "paid_social": 100, "(none)": 200,
    },
    # O1: a1 .4, a2 .4, a3 a4 a6 share .2 -> 400, 400, 200/3 each. O5 as for pipeline.
    "u_shaped": {
        "organic_search": 400, "paid_search": 400, "email": 200 / 3, "webinar": 200 / 3 + 120,
        "events": 200 / 3 + 120, "paid_social": 60, "(none)": 200,
    },
    # O1: a1 .3, a2 .3, a4 .3 (opened day 21), a3 and a6 .05 each -> 300, 300, 300, 50, 50.
    "w_shaped": {
        "organic_search": 300, "paid_search": 300, "email": 50, "webinar": 300 + 100,
        "events": 50 + 100, "paid_social": 100, "(none)": 200,
    },
    # O1 at day 35: ages 35, 28, 21, 14, 7 -> 1/32 ... 1/2 of 31/32 -> 1000/31 * 1, 2, 4, 8, 16.
    # O5 at day 43: ages 42, 42, 14 -> 1/64, 1/64, 1/4: the same shares as at day 29.
    "time_decay": {
        "organic_search": 1000 / 31, "paid_search": 2000 / 31, "email": 4000 / 31,
        "webinar": 8000 / 31 + 300 / 18, "events": 16000 / 31 + 300 / 18,
        "paid_social": 2400 / 9, "(none)": 200,
    },
}  # fmt: skip


@pytest.mark.parametrize("model", sorted(PIPELINE))
def test_pipeline_credit_by_source(world: ReportTables, model: str) -> None:
    assert_credit(credit(world, model=model, value="opportunity_amount"), PIPELINE[model])


@pytest.mark.parametrize("model", sorted(REVENUE))
def test_won_revenue_credit_by_source(world: ReportTables, model: str) -> None:
    assert_credit(credit(world, model=model, value="won_revenue"), REVENUE[model])


def test_by_campaign_missing_values_are_none(world: ReportTables) -> None:
    # Linear pipeline. "(none)": a1 has no campaign (250), lead 2's source has none (500),
    # lead 3 has no touch (200). webinar-q1: a4 250 + d1 50 + d1 100; expo: d2 50 + 100.
    found = credit(world, model="linear", by="campaign")
    expected = {"(none)": 950, "brand": 250, "newsletter": 250, "webinar-q1": 400}
    assert_credit(found, expected | {"expo": 150, "abm": 100})


def test_by_medium(world: ReportTables) -> None:
    found = credit(world, model="first_touch", by="medium")
    # Lead 2's acquisition touch has no medium.
    assert_credit(found, {"organic": 1000, "(none)": 700, "webinar": 400})


def test_period_selects_outcomes_start_inclusive_end_exclusive(world: ReportTables) -> None:
    # Opened in [day 12, day 29): O2 (day 12) and O1 (day 21); O5 opens at day 29 exactly.
    found = credit(world, model="first_touch", start=day(12), end=day(29))
    assert_credit(found, {"organic_search": 1000, "referral": 500})


def test_result_shape_share_and_outcomes(world: ReportTables) -> None:
    query = AttributionQuery(AttributionRequest(model="first_touch"))
    rows = query.expression(world).to_pyarrow().to_pylist()
    # Largest credit first: organic 1000, referral 500, webinar 400 (O4 and O5), none 200.
    assert [row["channel"] for row in rows] == ["organic_search", "referral", "webinar", "(none)"]
    assert [row["outcomes"] for row in rows] == [1, 1, 2, 1]
    assert rows[2]["share"] == pytest.approx(400 / 2100, rel=REL)


def test_outcome_credits_per_opportunity(world: ReportTables) -> None:
    query = AttributionQuery(AttributionRequest(model="w_shaped"))
    rows = query.outcome_credits(world).to_pyarrow().to_pylist()
    o4 = {row["channel"]: row["credit"] for row in rows if row["outcome_id"] == 4}
    assert o4 == pytest.approx({"webinar": 100 / 3, "events": 200 / 3}, rel=REL)
    assert {row["lead_id"] for row in rows if row["outcome_id"] == 4} == {4}


def test_touch_at_the_outcome_counts_one_microsecond_after_does_not(engine: Engine) -> None:
    opened = day(10)
    at_outcome = touch(1, 1, 10, "webinar") | {"occurred_at": opened}
    after = touch(2, 1, 10, "events") | {"occurred_at": opened + timedelta(microseconds=1)}
    load(
        engine,
        [lead(1, 0)],
        [touch(3, 1, 0, "organic_search"), at_outcome, after],
        [opportunity(1, 1, 1, 90, 10, "open", None)],
    )
    for tables in (store_tables(engine), duckdb_tables(engine)):
        assert credit(tables, model="last_touch") == {"webinar": 90}
        # Two touches count, the first is also the creation touch: .3 + .3 and .3 -> 60, 30.
        assert_credit(credit(tables, model="w_shaped"), {"organic_search": 60, "webinar": 30})


def test_acquisition_touch_when_every_activity_touch_came_later(engine: Engine) -> None:
    # Lead created day 2 from "partner" with its first recorded touch at day 4: the acquisition
    # touch (day 2) is first and creation touch, the day-4 touch opens the opportunity (day 4).
    load(
        engine,
        [lead(1, 2, "partner")],
        [touch(1, 1, 4, "webinar"), touch(2, 1, 3, None)],
        [opportunity(1, 1, 1, 100, 4, "open", None)],
    )
    for tables in (store_tables(engine), duckdb_tables(engine)):
        assert_credit(credit(tables, model="u_shaped"), {"partner": 80, "webinar": 20})
        assert_credit(credit(tables, model="w_shaped"), {"partner": 200 / 3, "webinar": 100 / 3})
        # Ages 2 days and 0: weights 2^(-2/7) and 1.
        decay = 2 ** (-2 / 7)
        expected = {"partner": 100 * decay / (1 + decay), "webinar": 100 / (1 + decay)}
        assert_credit(credit(tables, model="time_decay"), expected)


def test_time_decay_survives_touches_centuries_old(engine: Engine) -> None:
    # 2^(-age / 7 days) underflows to 0 for ages past about 20 years; weights are counted
    # from the latest touch, so credit still sums: equal ages share equally.
    old = T0 - timedelta(days=365 * 300)
    load(
        engine,
        [lead(1, 0)],
        [touch(1, 1, 0, "a") | {"occurred_at": old}, touch(2, 1, 0, "b") | {"occurred_at": old}],
        [opportunity(1, 1, 1, 10, 1, "open", None)],
    )
    for tables in (store_tables(engine), duckdb_tables(engine)):
        assert_credit(credit(tables, model="time_decay"), {"a": 5, "b": 5})


@pytest.mark.parametrize(
    ("request_fields", "message"),
    [
        ({"model": "z_shaped"}, "model"),
        ({"value": "profit"}, "value"),
        ({"by": "persona"}, "by"),
        ({"start": datetime(2025, 1, 1)}, "start"),
        ({"start": day(5), "end": day(5)}, "end"),
        ({"half_life": 3}, "half_life"),
    ],
)
def test_bad_requests_name_the_parameter(request_fields: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AttributionRequest.model_validate(request_fields)
