"""Background loops the server runs beside the API (the SLA sweeper, webhook delivery)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import Engine

# A loop works on the store until the event is set, waiting with `stop.wait(seconds)` between
# rounds. Loops claim their work with SELECT ... FOR UPDATE SKIP LOCKED, so every server
# process may run every loop.
BackgroundLoop = Callable[[Engine, threading.Event], None]

# How long shutdown waits for each loop to finish its round.
STOP_TIMEOUT_SECONDS = 10.0

log = logging.getLogger("leadflow.api")


def _guarded(loop: BackgroundLoop, engine: Engine, stop: threading.Event) -> None:
    try:
        loop(engine, stop)
    except Exception:
        log.exception("background loop %s stopped with an error", loop.__name__)


@asynccontextmanager
async def running(engine: Engine, loops: Sequence[BackgroundLoop]) -> AsyncIterator[None]:
    """Run each loop in a thread of its own while the server serves; stop them on exit."""
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=_guarded, args=(loop, engine, stop), name=f"leadflow-{loop.__name__}"
        )
        for loop in loops
    ]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            await asyncio.to_thread(thread.join, STOP_TIMEOUT_SECONDS)
            if thread.is_alive():
                log.warning("background loop %s did not stop in time", thread.name)
