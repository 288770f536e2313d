"""What the store knows exists: custom attributes, event types and properties, as a Schema."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.activities.models import Activity
from leadflow.leads.models import AttributeDefinition
from leadflow.scoring.language import Schema, ValueType

# Attribute definitions record this for date/time columns; the language says datetime.
_STORE_TYPES = {"number": "number", "boolean": "boolean", "datetime": "datetime", "text": "text"}


def store_schema(*, session: Session) -> Schema:
    """The built-in names plus every custom attribute, event type and property in the store."""
    by_entity: dict[str, dict[str, ValueType | str]] = {"lead": {}, "account": {}, "activity": {}}
    for definition in session.scalars(select(AttributeDefinition)):
        if definition.entity in by_entity:
            by_entity[definition.entity][definition.name] = _STORE_TYPES.get(
                definition.type, definition.type
            )
    event_types = session.scalars(select(Activity.type).distinct()).all()
    return Schema.build(
        custom_attributes=by_entity["lead"],
        custom_account_attributes=by_entity["account"],
        event_types=event_types,
        event_properties=_without_builtins(by_entity["activity"]),
    )


def _without_builtins(properties: dict[str, ValueType | str]) -> dict[str, ValueType | str]:
    from leadflow.scoring.language.schema import EVENT_PROPERTIES

    return {name: kind for name, kind in properties.items() if name not in EVENT_PROPERTIES}
