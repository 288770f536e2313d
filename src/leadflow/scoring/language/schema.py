"""What conditions may refer to: attributes, event types and properties, scores; with types."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class ValueType(StrEnum):
    """The type of an attribute or property, in the store's words."""

    TEXT = "text"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATETIME = "datetime"


_T, _N, _B, _D = ValueType.TEXT, ValueType.NUMBER, ValueType.BOOLEAN, ValueType.DATETIME

LEAD_ATTRIBUTES: Mapping[str, ValueType] = MappingProxyType(
    {
        **dict.fromkeys(
            [
                "email",
                "email_domain",
                "first_name",
                "last_name",
                "title",
                "seniority",
                "department",
                "persona",
                "company",
                "phone",
                "country",
                "region",
                "city",
                "source",
                "medium",
                "campaign",
                "stage",
            ],
            _T,
        ),
        "created_at": _D,
        # Computed by the store from the e-mail domain.
        "is_free_email": _B,
        "is_disposable_email": _B,
    }
)
ACCOUNT_ATTRIBUTES: Mapping[str, ValueType] = MappingProxyType(
    {
        **{
            f"account.{name}": _T
            for name in ["name", "domain", "industry", "country", "region", "segment"]
        },
        "account.employees": _N,
        "account.annual_revenue": _N,
    }
)
EVENT_TYPES: tuple[str, ...] = tuple(
    [
        "page_view",
        "form_submit",
        "content_download",
        "webinar_registered",
        "webinar_attended",
        "email_open",
        "email_click",
        "email_bounce",
        "unsubscribe",
        "demo_request",
        "trial_signup",
        "contact_request",
    ]
)
# The activity's attribution columns, and the properties leadflow's own events carry
# (page properties as in the Segment spec; form, asset, webinar and plan names).
EVENT_PROPERTIES: Mapping[str, ValueType] = MappingProxyType(
    dict.fromkeys(
        [
            "source",
            "medium",
            "campaign",
            "content",
            "term",
            "url",
            "path",
            "referrer",
            "title",
            "search",
            "form",
            "asset",
            "webinar",
            "plan",
        ],
        _T,
    )
)
SCORES: Mapping[str, ValueType] = MappingProxyType(
    {
        "fit": _N,
        "engagement": _N,
        "grade": _T,
        "fit_band": _T,
        "engagement_band": _N,
        # The active trained model's probability; missing while none is active.
        "conversion_probability": _N,
    }
)


@dataclass(frozen=True)
class Scope:
    """What a condition may refer to where it is written (a fit rule, the MQL criteria...)."""

    place: str
    names: Mapping[str, ValueType]
    noun: str
    # Event types `did` and `count` may name; empty where event predicates are not allowed.
    event_types: frozenset[str] = frozenset()
    event_properties: Mapping[str, ValueType] = field(default_factory=dict)

    def properties(self) -> Scope:
        """The scope of a `where` inside `did(...)` or `count(...)`: the event's properties."""
        return Scope("an event's where", self.event_properties, "event property")


@dataclass(frozen=True)
class Schema:
    """Every known attribute (lead, account, custom), event type and event property, typed."""

    attributes: Mapping[str, ValueType]
    event_types: frozenset[str]
    event_properties: Mapping[str, ValueType]

    @classmethod
    def build(
        cls,
        *,
        custom_attributes: Mapping[str, ValueType | str] | None = None,
        custom_account_attributes: Mapping[str, ValueType | str] | None = None,
        event_types: Iterable[str] = (),
        event_properties: Mapping[str, ValueType | str] | None = None,
    ) -> Schema:
        """The built-in names plus a deployment's own (custom attributes, event types...)."""
        attributes = dict(LEAD_ATTRIBUTES) | dict(ACCOUNT_ATTRIBUTES)
        custom = dict(custom_attributes or {})
        custom |= {f"account.{k}": v for k, v in (custom_account_attributes or {}).items()}
        _add(attributes, custom, "attribute", reserved=SCORES)
        properties = dict(EVENT_PROPERTIES)
        _add(properties, dict(event_properties or {}), "event property", reserved={})
        return cls(
            attributes=MappingProxyType(attributes),
            event_types=frozenset(EVENT_TYPES) | frozenset(event_types),
            event_properties=MappingProxyType(properties),
        )

    def fit_scope(self) -> Scope:
        """A fit rule's `when`: attributes only (fit depends on who the lead is)."""
        return Scope("a fit rule", self.attributes, "attribute")

    def event_scope(self) -> Scope:
        """An engagement rule's `where`: the event's properties."""
        return Scope("an engagement rule's where", self.event_properties, "event property")

    def disqualify_scope(self) -> Scope:
        """A disqualify rule's `when`: attributes and event predicates."""
        return Scope(
            "a disqualify rule",
            self.attributes,
            "attribute",
            self.event_types,
            self.event_properties,
        )

    def criteria_scope(self) -> Scope:
        """The MQL criteria: attributes, scores and event predicates."""
        names = MappingProxyType(dict(self.attributes) | dict(SCORES))
        return Scope(
            "the MQL criteria", names, "attribute or score", self.event_types, self.event_properties
        )


def _add(
    known: dict[str, ValueType],
    extra: Mapping[str, ValueType | str],
    noun: str,
    reserved: Mapping[str, ValueType],
) -> None:
    for name, value_type in extra.items():
        if name in known or name in reserved:
            raise ValueError(f"custom {noun} {name!r} clashes with a built-in name")
        try:
            known[name] = ValueType(value_type)
        except ValueError:
            choices = ", ".join(t.value for t in ValueType)
            raise ValueError(
                f"custom {noun} {name!r} has type {value_type!r}; expected one of {choices}"
            ) from None
