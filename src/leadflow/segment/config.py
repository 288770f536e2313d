"""The `[segment]` settings: which activity type each Segment event name becomes."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints

# Activity types are short snake_case words, like the scoring model's `event:` names.
ACTIVITY_TYPE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
_ACTIVITY_TYPE = re.compile(ACTIVITY_TYPE_PATTERN)
_NOT_A_WORD = re.compile(r"[^a-z0-9]+")
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# Segment's spec event names (B2B SaaS, e-mail and video specs) for what leadflow's
# starter scoring model and demo already score; any other name becomes its snake_case.
DEFAULT_EVENT_TYPES: dict[str, str] = {
    "Page Viewed": "page_view",
    "Form Submitted": "form_submit",
    "Demo Requested": "demo_request",
    "Contact Requested": "contact_request",
    "Trial Started": "trial_signup",
    "Webinar Registered": "webinar_registered",
    "Webinar Attended": "webinar_attended",
    "Content Downloaded": "content_download",
    "File Downloaded": "content_download",
    "Email Opened": "email_open",
    "Email Link Clicked": "email_click",
    "Email Bounced": "email_bounce",
    "Unsubscribed": "unsubscribe",
}


def snake_case(name: str) -> str:
    """A name as leadflow compares Segment names: "Form Submitted", "form_submitted" and
    "FormSubmitted" are all `form_submitted`."""
    words = _CAMEL_HUMP.sub("_", name.strip())
    return _NOT_A_WORD.sub("_", words.lower()).strip("_")


def _keys_distinct(mapping: dict[str, str]) -> dict[str, str]:
    seen: dict[str, str] = {}
    for name in mapping:
        key = snake_case(name)
        if not key:
            raise ValueError(f"event name {name!r} has no letters or digits")
        if key in seen:
            raise ValueError(f"event names {seen[key]!r} and {name!r} are the same name")
        seen[key] = name
    return mapping


ActivityType = Annotated[str, StringConstraints(pattern=ACTIVITY_TYPE_PATTERN)]


class SegmentConfig(BaseModel):
    """Segment ingestion; `[segment]` in leadflow.toml or LEADFLOW_SEGMENT as JSON."""

    model_config = ConfigDict(extra="forbid")

    # Added to (and overriding) DEFAULT_EVENT_TYPES, e.g. {"Quote Requested": "demo_request"}.
    event_types: Annotated[dict[str, ActivityType], AfterValidator(_keys_distinct)] = Field(
        default_factory=dict
    )

    _lookup: dict[str, str] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        """Index the event names once: defaults first, so configured names win."""
        merged = {**DEFAULT_EVENT_TYPES, **self.event_types}
        self._lookup = {snake_case(name): type_ for name, type_ in merged.items()}

    def activity_type(self, event: str) -> str | None:
        """The activity type a track event's name becomes; None if it makes no valid type."""
        key = snake_case(event)
        found = self._lookup.get(key, key)
        return found if _ACTIVITY_TYPE.match(found) else None
