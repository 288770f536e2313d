"""Activity imports: idempotent by id or content, leads found or created, anonymous history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadflow.importing.activities import DIGEST_LENGTH

EVENTS = [
    {
        "event_id": "",
        "email": "ann@acme.com",
        "type": "page_view",
        "occurred_at": "2024-01-05T10:00:00Z",
        "source": "google",
        "medium": "cpc",
        "campaign": "brand",
        "page": "/pricing",
        "seconds": "30",
    },
    {
        "event_id": "",
        "email": "ann@acme.com",
        "type": "form_submit",
        "occurred_at": "2024-01-05T10:05:00Z",
        "source": "",
        "medium": "",
        "campaign": "",
        "page": "/demo",
        "seconds": "",
    },
    {
        "event_id": "evt-1",
        "email": "bob@gmail.com",
        "type": "email_open",
        "occurred_at": "2024-01-06T08:00:00+01:00",
        "source": "newsletter",
        "medium": "email",
        "campaign": "jan",
        "page": "",
        "seconds": "",
    },
]


def test_activities_create_unknown_leads_with_their_first_touch(write, run, rows_of) -> None:
    summary = run("activities", write("events.csv", EVENTS))
    assert (summary.rows, summary.created, summary.duplicates) == (3, 3, 0)
    assert (summary.leads_created, summary.accounts_created) == (2, 1)
    leads = {lead["email"]: lead for lead in rows_of("leads")}
    ann, bob = leads["ann@acme.com"], leads["bob@gmail.com"]
    assert (ann["source"], ann["medium"], ann["campaign"]) == ("google", "cpc", "brand")
    assert ann["created_at"] == datetime(2024, 1, 5, 10, 0, tzinfo=UTC)
    assert (ann["stage"], bob["account_id"]) == ("lead", None)
    assert rows_of("accounts")[0]["id"] == ann["account_id"]
    activities = rows_of("activities")
    assert [a["lead_id"] for a in activities] == [ann["id"], ann["id"], bob["id"]]
    assert activities[0]["properties"] == {"page": "/pricing", "seconds": 30}
    assert activities[1]["properties"] == {"page": "/demo"}
    assert activities[2]["event_id"] == "evt-1"
    assert activities[2]["occurred_at"] == datetime(2024, 1, 6, 7, 0, tzinfo=UTC)
    assert len(activities[0]["event_id"]) == DIGEST_LENGTH


@pytest.mark.parametrize("chunk_rows", [1, 1000])
def test_the_same_file_twice_stores_nothing_new(write, run, rows_of, chunk_rows) -> None:
    path = write("events.csv", EVENTS)
    run("activities", path, chunk_rows=chunk_rows)
    again = run("activities", path, chunk_rows=chunk_rows)
    assert (again.rows, again.created, again.duplicates, again.leads_created) == (3, 0, 3, 0)
    assert len(rows_of("activities")) == 3
    assert len(rows_of("leads")) == 2


def test_duplicate_rows_in_one_file_are_stored_once(write, run, rows_of) -> None:
    rows = [EVENTS[0], EVENTS[2], dict(EVENTS[0]), dict(EVENTS[2])]
    summary = run("activities", write("events.csv", rows), chunk_rows=3)
    assert (summary.created, summary.duplicates) == (2, 2)
    assert len(rows_of("activities")) == 2


def test_identity_of_an_id_less_event_is_its_content(write, run, rows_of) -> None:
    base = {"email": "ann@acme.com", "type": "page_view", "occurred_at": "2024-01-05T10:00:00Z"}
    rows = [
        {**base, "page": "/a"},
        {**base, "page": "/b"},  # other properties: another event
        {**base, "occurred_at": "2024-01-05T11:00:00+01:00", "page": "/a"},  # same instant
        {**base, "email": " ANN@acme.com ", "page": "/a"},  # same normalised lead
    ]
    summary = run("activities", write("events.csv", rows))
    assert (summary.created, summary.duplicates) == (2, 2)


def test_leads_are_found_by_external_id_and_lead_id(write, run, rows_of) -> None:
    run("leads", write("leads.csv", [{"email": "ann@acme.com", "external_id": "crm-1"}]))
    lead_id = rows_of("leads")[0]["id"]
    rows = [
        {"lead_external_id": "crm-1", "type": "call", "occurred_at": "2024-02-01T09:00:00Z"},
        {"lead_id": str(lead_id), "type": "call", "occurred_at": "2024-02-02T09:00:00Z"},
        {
            "email": "ann@acme.com",
            "lead_id": str(lead_id),
            "lead_external_id": "crm-1",
            "type": "meeting",
            "occurred_at": "2024-02-03T09:00:00Z",
        },
    ]
    summary = run("activities", write("events.csv", rows))
    assert (summary.created, summary.leads_created) == (3, 0)
    assert {a["lead_id"] for a in rows_of("activities")} == {lead_id}


def test_anonymous_activities_are_kept_without_a_lead(write, run, rows_of) -> None:
    rows = [
        {
            "anonymous_id": "anon-7",
            "type": "page_view",
            "occurred_at": "2024-01-01T00:00:00Z",
            "page": "/",
        },
        {
            "anonymous_id": "anon-7",
            "type": "page_view",
            "occurred_at": "2024-01-01T00:01:00Z",
            "page": "/pricing",
        },
    ]
    summary = run("activities", write("events.csv", rows))
    assert (summary.created, summary.anonymous, summary.leads_created) == (2, 2, 0)
    activities = rows_of("activities")
    assert [(a["lead_id"], a["anonymous_id"]) for a in activities] == [(None, "anon-7")] * 2
    assert rows_of("leads") == []


def test_naive_times_are_taken_in_the_configured_zone(write, run, rows_of) -> None:
    rows = [
        {
            "email": "a@acme.com",
            "type": "call",
            "occurred_at": "2024-07-01 09:00",
            "followup": "2024-07-02T10:00",
        }
    ]
    run("activities", write("events.csv", rows), time_zone="America/New_York")
    activity = rows_of("activities")[0]
    assert activity["occurred_at"] == datetime(2024, 7, 1, 13, 0, tzinfo=UTC)
    assert activity["properties"] == {"followup": "2024-07-02T14:00:00Z"}


def test_a_new_lead_shared_by_email_and_external_id_is_created_once(write, run, rows_of) -> None:
    rows = [
        {
            "email": "new@acme.com",
            "lead_external_id": "crm-5",
            "type": "a",
            "occurred_at": "2024-01-01T00:00:00Z",
        },
        {
            "email": "",
            "lead_external_id": "crm-5",
            "type": "b",
            "occurred_at": "2024-01-01T00:00:01Z",
        },
    ]
    summary = run("activities", write("events.csv", rows))
    assert (summary.created, summary.leads_created) == (2, 1)
    (lead,) = rows_of("leads")
    assert (lead["email"], lead["external_id"]) == ("new@acme.com", "crm-5")
