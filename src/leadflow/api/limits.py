"""The request body limit: a body over the configured size is refused with 413."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadflow.api.errors import problem_response


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit} bytes (the api.max_body_bytes setting)"


class BodyTooLarge(HTTPException):
    """A body grew past the limit while it was read (no Content-Length, or a false one)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=_too_large(limit))


class BodySizeLimit:
    """ASGI middleware: refuse a declared oversize body at once, and stop reading any body
    the moment it passes the limit, so no oversize body is ever held in memory."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response = problem_response(413, _too_large(self.max_bytes))
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException passes through FastAPI's body reading to the
                    # problem handlers unchanged.
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited_receive, send)
