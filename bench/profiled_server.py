"""`leadflow serve`'s app under cProfile, one process, for `bench/ingest.py --profile`.

`python -m cProfile` sees only the event loop's thread, and FastAPI runs sync routes and
dependencies (everything that touches the store) in a thread pool; this profiles each pool
thread as well and writes the merged figures when the server stops (Ctrl-C / SIGINT).

    .venv/bin/python bench/profiled_server.py PORT FILE

Example: .venv/bin/python bench/profiled_server.py 8000 /tmp/serve.prof
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import threading
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import uvicorn

_profiles: list[cProfile.Profile] = []
_local = threading.local()
_run_sync = anyio.to_thread.run_sync


def _profile() -> cProfile.Profile:
    """This thread's profiler, made on first use."""
    if not hasattr(_local, "profile"):
        _local.profile = cProfile.Profile()
        _profiles.append(_local.profile)
    profile: cProfile.Profile = _local.profile
    return profile


async def _profiled_run_sync(function: Callable[..., Any], *args: Any, **options: Any) -> Any:
    def profiled(*values: Any) -> Any:
        return _profile().runcall(function, *values)

    return await _run_sync(profiled, *args, **options)


def main() -> None:
    """Serve on the port until interrupted, then write the merged profile to the file."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Example: .venv/bin/python bench/profiled_server.py 8000 /tmp/serve.prof",
    )
    parser.add_argument("port", type=int, help="the port to serve on (127.0.0.1)")
    parser.add_argument("file", help="where to write the profile (pstats format)")
    args = parser.parse_args()
    port, path = args.port, args.file
    # Starlette looks run_sync up at each call; the wrapper keeps its arguments as they are.
    anyio.to_thread.run_sync = _profiled_run_sync  # type: ignore[assignment]
    main_thread = cProfile.Profile()
    _profiles.append(main_thread)
    main_thread.runcall(
        uvicorn.run, "leadflow.api.app:serve_app", factory=True, port=port, log_level="warning"
    )
    stats = pstats.Stats(_profiles[0])
    for profile in _profiles[1:]:
        stats.add(profile)
    stats.dump_stats(path)


if __name__ == "__main__":
    main()
