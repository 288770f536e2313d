"""Cursor pagination: a page starts after the last row of the previous one (keyset), so a
walk sees every row exactly once even while rows are inserted."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, TypeDecorator, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from leadflow.users.schemas import MAX_ID, storable

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

# An id in a query string (text, so not strict like ids in bodies).
IdParam = Annotated[int, Field(ge=1, le=MAX_ID)]
PageLimit = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")]
CursorText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4_096,
        description="`next_cursor` of the previous page, with the same sort and order.",
    ),
]
SortOrder = Literal["asc", "desc"]
# A value to filter or search by: no longer than the widest column it is compared with.
FilterText = Annotated[str, storable(320)]

ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    """One page of a list, and where the next one starts."""

    items: list[ItemT]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


@dataclass(frozen=True)
class Keyset:
    """The last row of a page: its sort value and id, under the sort that ordered it."""

    sort: str
    descending: bool
    value: Any
    id: int

    def encode(self) -> str:
        """The opaque cursor text clients pass back."""
        value = self.value.isoformat() if isinstance(self.value, datetime) else self.value
        raw = json.dumps([self.sort, self.descending, value, self.id], ensure_ascii=False)
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _bad_cursor(reason: str) -> RequestValidationError:
    error = {"type": "value_error", "loc": ("query", "cursor"), "msg": reason, "input": None}
    return RequestValidationError([error])


def decode_cursor(
    cursor: str, *, sort: str, descending: bool, column: InstrumentedAttribute[Any]
) -> Keyset:
    """The keyset a cursor stands for; 422 naming `cursor` if it is not one of ours or was
    made for another sort or order."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_sort, made_descending, value, row_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, RecursionError) as exc:
        raise _bad_cursor("not a cursor this API returned") from exc
    if (made_sort, made_descending) != (sort, descending):
        order = "desc" if made_descending else "asc"
        raise _bad_cursor(f"the cursor belongs to sort={made_sort}&order={order}; use that")
    if not isinstance(row_id, int) or isinstance(row_id, bool) or not 0 <= row_id <= MAX_ID:
        raise _bad_cursor("not a cursor this API returned")
    return Keyset(sort, descending, _typed(value, column), row_id)


def _typed(value: Any, column: InstrumentedAttribute[Any]) -> Any:
    if value is None:
        return None
    column_type = column.type
    # A TypeDecorator (UTCDateTime) reads back as its underlying type.
    kind = (column_type.impl if isinstance(column_type, TypeDecorator) else column_type).python_type
    if kind is datetime and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is not None:
                return parsed.astimezone(UTC)
        except (ValueError, OverflowError):
            pass
    elif kind is int and isinstance(value, int) and not isinstance(value, bool):
        if abs(value) <= MAX_ID:
            return value
    elif kind is str and isinstance(value, str) and _storable(value):
        return value
    raise _bad_cursor("not a cursor this API returned")


def _storable(text: str) -> bool:
    # What the database can compare with: no NUL, no lone surrogates.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _after(keyset: Keyset, column: InstrumentedAttribute[Any], id_column: Any) -> Any:
    # Rows come in (sort value, then id) order with NULL sort values last, in either order.
    if keyset.value is None:
        return and_(column.is_(None), id_column > keyset.id)
    beyond: ColumnElement[bool] = (
        column < keyset.value if keyset.descending else column > keyset.value
    )
    return or_(beyond, and_(column == keyset.value, id_column > keyset.id), column.is_(None))


def fetch_page(
    session: Session,
    statement: Select[Any],
    *,
    sort: str,
    descending: bool,
    cursor: str | None,
    limit: int,
    columns: Any,
) -> tuple[Sequence[Any], str | None]:
    """Up to `limit` rows of an entity query after `cursor`, and the cursor of the next page.

    `columns` is the mapped class (e.g. Lead): `sort` names one of its columns, `id` breaks ties.
    """
    column: InstrumentedAttribute[Any] = getattr(columns, sort)
    id_column = columns.id
    if cursor is not None:
        keyset = decode_cursor(cursor, sort=sort, descending=descending, column=column)
        statement = statement.where(_after(keyset, column, id_column))
    order = column.desc() if descending else column.asc()
    rows = session.scalars(
        statement.order_by(order.nulls_last(), id_column.asc()).limit(limit + 1)
    ).all()
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, Keyset(sort, descending, getattr(last, sort), last.id).encode()
