"""GoogleCalendar through google-api-python-client against the loopback Calendar stand-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store.db import Database
from store.errors import ConfigurationError, InvalidInput
from tests.fixtures.google_standin import GOOGLE_TEST_TOKEN, GoogleStandIn
from tools.backends import ProviderError
from tools.calendar.google import GoogleCalendar
from tools.google.backends import get_calendar
from tools.google.client import RetryPolicy

pytestmark = pytest.mark.integration

TOKEN = GOOGLE_TEST_TOKEN
EVENTS = "/calendar/v3/calendars/primary/events"
START = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def calendar(google_env: GoogleStandIn) -> GoogleCalendar:
    return GoogleCalendar(retry=RetryPolicy(retries=2, delay=0))


def test_create_event_inserts_with_client_chosen_id(
    calendar: GoogleCalendar, google_env: GoogleStandIn
) -> None:
    event = calendar.create_event(
        "design001",
        "Design review",
        START,
        START + timedelta(hours=1),
        attendees=["ann@example.com"],
        description="Agenda attached",
        location="Room 4",
    )
    (call,) = google_env.calls("POST", EVENTS)
    assert call.body["id"] == "design001"
    assert call.body["start"] == {"dateTime": "2030-03-04T10:00:00+00:00"}
    assert call.body["attendees"] == [{"email": "ann@example.com"}]
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert (event["id"], event["summary"], event["attendees"], event["location"]) == (
        "design001",
        "Design review",
        ["ann@example.com"],
        "Room 4",
    )


def test_create_event_twice_returns_existing_without_duplicate(
    calendar: GoogleCalendar, google_env: GoogleStandIn
) -> None:
    first = calendar.create_event("standup01", "Standup", START, START + timedelta(minutes=15))
    again = calendar.create_event("standup01", "Changed", START, START + timedelta(hours=2))
    assert again == first
    assert list(google_env.events) == ["standup01"]
    assert len(google_env.calls("GET", f"{EVENTS}/standup01")) == 1  # fetched after the 409


def test_list_events_sends_window_and_returns_overlapping_events(
    calendar: GoogleCalendar, google_env: GoogleStandIn
) -> None:
    calendar.create_event(
        "before001", "Before", START - timedelta(hours=5), START - timedelta(hours=4)
    )
    calendar.create_event(
        "during001", "During", START + timedelta(minutes=30), START + timedelta(hours=1)
    )
    events = calendar.list_events(START, START + timedelta(hours=2), max_results=10)
    assert [e["summary"] for e in events] == ["During"]
    (listing,) = google_env.calls("GET", EVENTS)
    assert listing.query["timeMin"] == ["2030-03-04T10:00:00+00:00"]
    assert listing.query["timeMax"] == ["2030-03-04T12:00:00+00:00"]
    assert listing.query["singleEvents"] == ["true"]
    assert listing.query["maxResults"] == ["10"]


def test_invalid_event_id_is_refused_before_any_request(
    calendar: GoogleCalendar, google_env: GoogleStandIn
) -> None:
    with pytest.raises(InvalidInput):
        calendar.create_event("Has_Upper!", "x", START, START + timedelta(hours=1))
    assert google_env.requests == []


def test_rate_limited_insert_is_retried_then_succeeds(
    calendar: GoogleCalendar, google_env: GoogleStandIn
) -> None:
    google_env.fail_next(EVENTS, 429, method="POST", reason="rateLimitExceeded")
    calendar.create_event("retr00001", "Retried", START, START + timedelta(hours=1))
    assert len(google_env.calls("POST", EVENTS)) == 2
    assert list(google_env.events) == ["retr00001"]


def test_insert_retried_after_lost_response_returns_the_created_event(
    calendar: GoogleCalendar, google_env: GoogleStandIn
) -> None:
    google_env.fail_next(EVENTS, 502, method="POST", after_processing=True)
    event = calendar.create_event("lost00001", "Once", START, START + timedelta(hours=1))
    assert event["summary"] == "Once"
    assert list(google_env.events) == ["lost00001"]


def test_server_errors_exhausted_raise_retryable_provider_error(
    calendar: GoogleCalendar, google_env: GoogleStandIn
) -> None:
    google_env.fail_next(EVENTS, 503, times=10)
    with pytest.raises(ProviderError) as info:
        calendar.list_events(START, START + timedelta(hours=1))
    assert (info.value.status, info.value.retryable) == (503, True)
    assert len(google_env.calls("GET", EVENTS)) == 3


def test_bad_request_raises_provider_error_with_providers_reason(
    calendar: GoogleCalendar, google_env: GoogleStandIn
) -> None:
    google_env.fail_next(EVENTS, 400, method="POST", message="Invalid attendee email.")
    with pytest.raises(ProviderError) as info:
        calendar.create_event("badreq001", "x", START, START + timedelta(hours=1))
    assert info.value.reason == "Invalid attendee email."
    assert (info.value.status, info.value.retryable) == (400, False)
    assert len(google_env.calls("POST", EVENTS)) == 1


def test_missing_credentials_fail_at_construction_without_requests(
    google_env: GoogleStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DELEGATE_GOOGLE_TOKEN")
    with pytest.raises(ConfigurationError) as info:
        GoogleCalendar()
    assert str(info.value) == (
        "DELEGATE_CALENDAR_BACKEND=google needs DELEGATE_GOOGLE_TOKEN or "
        "DELEGATE_GOOGLE_CREDENTIALS"
    )
    assert google_env.requests == []


def test_get_calendar_selects_google_when_configured(
    google_env: GoogleStandIn, db: Database, org_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DELEGATE_CALENDAR_BACKEND", "google")
    calendar = get_calendar(db, org_id)
    assert isinstance(calendar, GoogleCalendar)
    calendar.create_event("select001", "Selected", START, START + timedelta(hours=1))
    assert list(google_env.events) == ["select001"]
