"""What every JSON body must be, whatever its route: finite numbers, and nothing deeper,
wider or longer than the `[api]` limits; each refusal names the place and the limit."""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import Request

from leadflow.api.config import ApiConfig
from leadflow.errors import InvalidInputError

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class ShapeLimitError(InvalidInputError):
    """A body breaks a shape limit at `field`: answered 422 naming it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _place(path: tuple[str, ...]) -> str:
    return ".".join(path) or "body"


def shape_problem(
    value: Any, limits: ApiConfig, path: tuple[str, ...] = ()
) -> tuple[str, str] | None:
    """The first place in a parsed JSON body that breaks a limit, and why; None if none."""
    if isinstance(value, float) and not math.isfinite(value):
        # Python's JSON reader takes NaN, Infinity and 1e999; JSON itself has no such numbers.
        return _place(path), (
            f"{json.dumps(value)} is not a number JSON allows; send null for a missing value"
        )
    if isinstance(value, str):
        if len(value) > limits.max_text_length:
            return _place(path), (
                f"text of {len(value)} characters; at most {limits.max_text_length} "
                "(the api.max_text_length setting)"
            )
        return None
    if not isinstance(value, dict | list):
        return None
    if len(path) >= limits.max_nesting_depth:
        return _place(path), (
            f"nested more than {limits.max_nesting_depth} levels deep "
            "(the api.max_nesting_depth setting)"
        )
    if isinstance(value, dict):
        if len(value) > limits.max_properties:
            return _place(path), (
                f"an object of {len(value)} names; at most {limits.max_properties} "
                "(the api.max_properties setting)"
            )
        items = value.items()
    else:
        items = ((str(index), item) for index, item in enumerate(value))
    for key, item in items:
        problem = shape_problem(item, limits, (*path, key))
        if problem is not None:
            return problem
    return None


async def check_body_shape(request: Request) -> None:
    """Refuse, with a 422 naming the place, a JSON body that breaks a shape limit.

    FastAPI has already read and parsed the body by now; `request.json()` gives that copy.
    """
    if request.method in _READ_METHODS:
        return
    if "json" not in request.headers.get("content-type", "") or not await request.body():
        return
    limits: ApiConfig = request.app.state.settings.api
    problem = shape_problem(await request.json(), limits)
    if problem is not None:
        raise ShapeLimitError(*problem)
