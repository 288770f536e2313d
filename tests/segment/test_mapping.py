"""Segment messages mapped to leadflow's records: ids, traits, properties, UTM, time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from leadflow.segment.config import SegmentConfig, snake_case
from leadflow.segment.mapping import Mapped, MessageProblem, map_message, occurred_at
from leadflow.segment.messages import Batch, Identify, Page, Track

RECEIVED = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
CONFIG = SegmentConfig()


def _map(message: Identify | Track | Page, config: SegmentConfig = CONFIG) -> Mapped:
    return map_message(message, index=0, config=config, received_at=RECEIVED)


def test_identify_sets_the_profile_and_stores_an_identify_activity() -> None:
    message = Identify.model_validate(
        {
            "userId": 42,
            "anonymousId": "a-1",
            "messageId": "m-1",
            "traits": {
                "email": "Ann@BigCo.com",
                "name": "Ann Mary Lee",
                "title": "VP Data",
                "company": {"name": "BigCo", "employee_count": 900},
                "address": {"city": "Berlin", "country": "DE", "postalCode": "10115"},
                "planName": "pro",
                "id": "42",
                "createdAt": "2026-01-01",
            },
        }
    )
    mapped = _map(message)
    assert mapped.profile == {
        "external_id": "42",
        "email": "Ann@BigCo.com",
        "first_name": "Ann",
        "last_name": "Mary Lee",
        "title": "VP Data",
        "company": "BigCo",
        "city": "Berlin",
        "country": "DE",
        "attributes": {
            "company_employee_count": 900,
            "address_postal_code": "10115",
            "plan_name": "pro",
            "segment_id": "42",
            "segment_created_at": "2026-01-01",
        },
    }
    assert mapped.event["type"] == "identify"
    assert mapped.event["lead_external_id"] == "42"
    assert mapped.event["event_id"] == "m-1"
    assert mapped.identified and mapped.anonymous_id == "a-1"
    assert mapped.paths["attributes.address_postal_code"] == "traits.address.postalCode"
    assert mapped.paths["email"] == "traits.email"


def test_a_page_is_a_page_view_with_its_path_and_campaign() -> None:
    message = Page.model_validate(
        {
            "anonymousId": "a-1",
            "name": "Pricing",
            "properties": {"url": "https://acme.test/pricing?plan=pro", "title": "Pricing"},
            "context": {
                "page": {"referrer": "https://google.com/"},
                "campaign": {"name": "q3-launch", "source": "google", "medium": "cpc", "term": ""},
            },
        }
    )
    mapped = _map(message)
    assert mapped.profile is None and not mapped.identified
    assert mapped.event == {
        "type": "page_view",
        "occurred_at": RECEIVED,
        "anonymous_id": "a-1",
        "campaign": "q3-launch",
        "source": "google",
        "medium": "cpc",
        "properties": {
            "referrer": "https://google.com/",
            "url": "https://acme.test/pricing?plan=pro",
            "title": "Pricing",
            "name": "Pricing",
            "path": "/pricing",
        },
    }


def test_track_names_map_to_activity_types_and_properties_keep_the_name() -> None:
    config = SegmentConfig(event_types={"Quote Requested": "demo_request"})
    cases = {
        "Form Submitted": "form_submit",
        "form_submitted": "form_submit",
        "Quote Requested": "demo_request",
        "Video Played": "video_played",
        "trial_signup": "trial_signup",
    }
    for name, activity_type in cases.items():
        message = Track(user_id="u-1", event=name, properties={"type": "ebook", "formId": 7})
        mapped = _map(message, config)
        assert mapped.event["type"] == activity_type
        # `type` is an activity field, so the property keeps its value under a prefix.
        assert mapped.event["properties"] == {"segment_type": "ebook", "form_id": 7, "event": name}


def test_an_event_name_that_makes_no_type_names_the_field() -> None:
    with pytest.raises(MessageProblem) as problem:
        _map(Track(user_id="u-1", event="!!!"))
    assert problem.value.field == "event"


def test_a_track_names_its_lead_by_user_id_before_the_context_email() -> None:
    context = {"traits": {"email": "ann@bigco.com"}}
    by_email = _map(Track.model_validate({"anonymousId": "a", "event": "x", "context": context}))
    assert by_email.event["email"] == "ann@bigco.com" and by_email.identified
    by_id = _map(Track.model_validate({"userId": "u", "event": "x", "context": context}))
    assert by_id.event["lead_external_id"] == "u" and "email" not in by_id.event


def test_time_is_the_timestamp_else_the_original_moved_by_clock_skew() -> None:
    sent = datetime(2026, 5, 4, 12, 10, tzinfo=UTC)  # the sender's clock runs 10 min fast
    original = datetime(2026, 5, 4, 12, 5, tzinfo=UTC)
    skewed = Track(user_id="u", event="x", original_timestamp=original, sent_at=sent)
    assert occurred_at(skewed, received_at=RECEIVED) == RECEIVED - timedelta(minutes=5)
    stamped = Track(user_id="u", event="x", timestamp=datetime(2026, 5, 1, 8, 0))
    assert occurred_at(stamped, received_at=RECEIVED) == datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    future = Track(user_id="u", event="x", timestamp=RECEIVED + timedelta(days=1))
    assert occurred_at(future, received_at=RECEIVED) == RECEIVED


def test_a_message_needs_someone() -> None:
    with pytest.raises(ValidationError, match="userId or an anonymousId"):
        Track.model_validate({"event": "x"})


def test_the_batch_context_is_merged_into_each_message() -> None:
    batch = Batch.model_validate(
        {
            "context": {"campaign": {"source": "newsletter"}, "ip": "10.0.0.1"},
            "batch": [
                {"type": "page", "anonymousId": "a"},
                {"type": "track", "anonymousId": "a", "event": "x", "context": {"ip": "10.0.0.2"}},
            ],
        }
    )
    first, second = batch.batch
    assert first.context.campaign.source == "newsletter"  # type: ignore[union-attr]
    assert second.context.ip == "10.0.0.2"  # type: ignore[union-attr]


def test_configured_names_must_be_distinct_and_types_valid() -> None:
    with pytest.raises(ValidationError, match="same name"):
        SegmentConfig(event_types={"Form Submitted": "a", "form_submitted": "b"})
    with pytest.raises(ValidationError):
        SegmentConfig(event_types={"Form Submitted": "Form Submit"})


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=30))
def test_snake_case_is_idempotent_and_a_valid_name(name: str) -> None:
    once = snake_case(name)
    assert snake_case(once) == once
    assert once == "" or (once[0] != "_" and once[-1] != "_" and once == once.lower())


def test_a_skew_too_large_to_correct_names_the_field() -> None:
    # Sent in year 4026 about an event in 2000: received_at - 2026 years is before year 1.
    sent = datetime(4026, 1, 1, tzinfo=UTC)
    original = datetime(2000, 1, 1, tzinfo=UTC)
    message = Identify(user_id="0", original_timestamp=original, sent_at=sent)
    with pytest.raises(MessageProblem) as problem:
        occurred_at(message, received_at=RECEIVED)
    assert problem.value.field == "originalTimestamp"
    assert "too far apart" in problem.value.reason
