"""Which features a trained model reads: attributes by kind, event types, windows.

A spec is fixed when a model is trained and kept on its card; scoring rebuilds exactly these
columns, in this order, and a model whose spec differs from the store's is refused by name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from leadflow.scoring.language import Schema, ValueType

WINDOWS_DAYS = (7, 30, 90)
# Identity and free text say who a lead is, not whether they buy; stage is the outcome itself.
NEVER_FEATURES = frozenset(
    {
        "email",
        "email_domain",
        "first_name",
        "last_name",
        "phone",
        "company",
        "city",
        "title",
        "stage",
        "created_at",
        "account.name",
        "account.domain",
    }
)


@dataclass(frozen=True)
class FeatureSpec:
    """The attributes (by kind) and event types a model's features come from."""

    categorical: tuple[str, ...]
    numeric: tuple[str, ...]
    boolean: tuple[str, ...]
    event_types: tuple[str, ...]
    windows_days: tuple[int, ...] = WINDOWS_DAYS

    @property
    def attributes(self) -> tuple[str, ...]:
        """Every attribute read, in column order."""
        return self.categorical + self.numeric + self.boolean

    def activity_columns(self) -> list[str]:
        """The activity feature names, in column order."""
        names = ["lead_age_days", "days_since_last_activity", "touches_90d"]
        for kind in self.event_types:
            names += [f"{kind}_count_{w}d" for w in self.windows_days]
            names += [f"{kind}_decay_{w}d" for w in self.windows_days]
            names.append(f"{kind}_days_since_last")
        return names

    @property
    def columns(self) -> list[str]:
        """Every feature name, in the order a model reads them."""
        return [*self.attributes, *self.activity_columns()]

    def to_card(self) -> dict[str, Any]:
        """The spec as plain JSON for a model card."""
        return asdict(self)

    @classmethod
    def from_card(cls, card: dict[str, Any]) -> FeatureSpec:
        """The spec a model card recorded."""
        return cls(**{key: tuple(value) for key, value in card.items()})

    @property
    def fingerprint(self) -> str:
        """A short digest of the spec: equal specs, equal fingerprints."""
        text = json.dumps(self.to_card(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def feature_spec(
    schema: Schema, *, exclude: Iterable[str] = (), event_types: Iterable[str] | None = None
) -> FeatureSpec:
    """Every attribute the store knows, less identity fields and `exclude`; the event types
    given (those that occurred: one never seen is all zeros), else every known one."""
    left_out = NEVER_FEATURES | set(exclude)
    by_kind: dict[ValueType, list[str]] = {kind: [] for kind in ValueType}
    for name in sorted(schema.attributes):
        if name not in left_out:
            by_kind[schema.attributes[name]].append(name)
    return FeatureSpec(
        categorical=tuple(by_kind[ValueType.TEXT]),
        numeric=tuple(by_kind[ValueType.NUMBER]),
        boolean=tuple(by_kind[ValueType.BOOLEAN]),
        event_types=tuple(sorted(schema.event_types if event_types is None else event_types)),
    )


def unknown_excludes(schema: Schema, exclude: Iterable[str]) -> list[str]:
    """Names in `exclude` the schema does not know (most likely a typo)."""
    return sorted(name for name in exclude if name not in schema.attributes)
