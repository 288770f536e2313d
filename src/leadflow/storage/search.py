"""Text search in a column: what the user typed, matched literally on every database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

_ESCAPE = "\\"


def contains_text(column: Any, text: str) -> ColumnElement[bool]:
    """`column` contains `text`, ignoring case; `%`, `_` and `\\` are plain characters, not
    LIKE wildcards (escaped, with ESCAPE given, which SQLite and PostgreSQL both honour)."""
    literal = text.lower().replace(_ESCAPE, _ESCAPE * 2).replace("%", r"\%").replace("_", r"\_")
    matched: ColumnElement[bool] = column.ilike(f"%{literal}%", escape=_ESCAPE)
    return matched
