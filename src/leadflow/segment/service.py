"""Segment messages in: each mapped to leadflow's records and handed to the ingestion
service, in one transaction, so a request is taken whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from leadflow.config import Settings
from leadflow.ingest.service import (
    LeadConflict,
    RecordProblem,
    RecordsInvalid,
    ingest_events,
    link_anonymous,
    upsert_lead,
)
from leadflow.segment.mapping import Mapped, MessageProblem, map_message
from leadflow.segment.messages import Alias, Applied, Group
from leadflow.storage.base import utcnow


@dataclass(frozen=True)
class SegmentResult:
    """What a request did: messages taken, activities new or seen before, skipped messages
    (group, alias), anonymous ids joined to a lead, and the leads its activities belong to."""

    messages: int
    stored: int
    duplicates: int
    skipped: int
    linked: int
    lead_ids: tuple[int, ...]


def ingest_messages(
    *,
    session: Session,
    messages: Sequence[Applied | Group | Alias],
    settings: Settings,
    received_at: datetime | None = None,
    batch_sent_at: datetime | None = None,
    container: str | None = None,
) -> SegmentResult:
    """Apply the messages in order in the session's transaction: profiles first, then every
    activity, then the anonymous ids the messages tie to a lead. All or nothing: a refusal
    names the message field, as `<container>.<index>.<field>` for a batch."""
    received_at = received_at or utcnow()
    mapped = _map_all(messages, settings, received_at, batch_sent_at, container)
    naming = _Naming(container)
    _save_profiles(session, mapped, settings, received_at, naming)
    with naming.records(mapped):
        result = ingest_events(
            session=session, events=[m.event for m in mapped], settings=settings, now=received_at
        )
    links: dict[tuple[str, int], Mapped] = {}
    for item, outcome in zip(mapped, result.events, strict=True):
        if item.identified and item.anonymous_id and outcome.lead_id is not None:
            links.setdefault((item.anonymous_id, outcome.lead_id), item)
    for (anonymous_id, lead_id), item in links.items():
        with naming.records([item]):
            link_anonymous(
                session=session,
                anonymous_id=anonymous_id,
                lead_id=lead_id,
                settings=settings,
                now=received_at,
            )
    return SegmentResult(
        messages=len(messages),
        stored=result.stored,
        duplicates=result.duplicates,
        skipped=len(messages) - len(mapped),
        linked=len(links),
        lead_ids=tuple(sorted({o.lead_id for o in result.events if o.lead_id is not None})),
    )


def _map_all(
    messages: Sequence[Applied | Group | Alias],
    settings: Settings,
    received_at: datetime,
    batch_sent_at: datetime | None,
    container: str | None,
) -> list[Mapped]:
    """Every message leadflow applies, mapped; RecordsInvalid naming every one it cannot."""
    mapped: list[Mapped] = []
    problems: list[RecordProblem] = []
    for index, message in enumerate(messages):
        if isinstance(message, Group | Alias):
            continue
        try:
            mapped.append(
                map_message(
                    message,
                    index=index,
                    config=settings.segment,
                    received_at=received_at,
                    batch_sent_at=batch_sent_at,
                )
            )
        except MessageProblem as problem:
            problems.append(RecordProblem(index, problem.field, problem.reason))
    if problems:
        raise RecordsInvalid("message", problems, container=container, single=container is None)
    return mapped


def _save_profiles(
    session: Session,
    mapped: Sequence[Mapped],
    settings: Settings,
    received_at: datetime,
    naming: _Naming,
) -> None:
    """Create or update each lead a message describes, in message order."""
    ensured: set[str] = set()
    for item in mapped:
        profile = item.profile
        if profile is None:
            continue
        # A userId alone only makes sure its lead exists: once per request is enough.
        bare = set(profile) <= {"external_id", "attributes"} and not profile.get("attributes")
        if bare and profile["external_id"] in ensured:
            continue
        with naming.records([item]):
            upsert_lead(session=session, profile=profile, settings=settings, now=received_at)
        if bare:
            ensured.add(profile["external_id"])


@dataclass(frozen=True)
class _Naming:
    """Turns the service's refusals, which name record fields by record position, into
    refusals naming the message field that was sent, by message position."""

    container: str | None

    @contextmanager
    def records(self, mapped: Sequence[Mapped]) -> Iterator[None]:
        try:
            yield
        except RecordsInvalid as exc:
            problems = [
                RecordProblem(
                    mapped[p.index].index, mapped[p.index].paths.get(p.field, p.field), p.reason
                )
                for p in exc.problems
            ]
            raise RecordsInvalid(
                "message", problems, container=self.container, single=self.container is None
            ) from exc
        except LeadConflict as exc:
            message = mapped[0]
            where = message.paths.get(exc.field, exc.field)
            if self.container is not None:
                where = f"{self.container}.{message.index}.{where}"
            raise LeadConflict(where, exc.reason) from exc
