"""Running `leadflow` commands as real child processes, and SIGKILLing them mid-run.

Children come from a fork server that imported the CLI once, so a command starts in
milliseconds instead of the seconds a fresh interpreter spends importing: twenty kills per
scenario stay affordable. Each child is a real process running `leadflow ARGS` exactly as
the console script does; `kill` sends it SIGKILL, which it cannot catch or clean up after.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import sys
import time
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from pathlib import Path

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["leadflow.cli.app"])


def _leadflow(args: list[str], env: dict[str, str], log: str) -> None:
    """The child: `leadflow ARGS` with its output in `log`, and the parent's LEADFLOW_*
    settings (the fork server's own environment is as old as the fork server)."""
    for name in [name for name in os.environ if name.startswith("LEADFLOW_")]:
        del os.environ[name]
    os.environ.update(env)
    descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    sys.argv = ["leadflow", *args]
    from leadflow.cli.app import main

    main()


def start(args: Sequence[str], log: Path, env: dict[str, str] | None = None) -> BaseProcess:
    """Start `leadflow ARGS` in a child process; its output is appended to `log`."""
    settings = {name: value for name, value in os.environ.items() if name.startswith("LEADFLOW_")}
    child = _CONTEXT.Process(target=_leadflow, args=(list(args), settings | (env or {}), str(log)))
    child.start()
    return child


def run(args: Sequence[str], log: Path, timeout: float = 300) -> int:
    """Run `leadflow ARGS` to its end; its exit code."""
    child = start(args, log)
    child.join(timeout)
    if child.exitcode is None:
        child.kill()
        child.join()
        raise AssertionError(f"leadflow {' '.join(args)} did not finish in {timeout} s")
    return child.exitcode


def run_until_killed(args: Sequence[str], log: Path, after: float) -> bool:
    """Run `leadflow ARGS`, SIGKILL it `after` seconds in; True if it was still running."""
    child = start(args, log)
    child.join(after)
    killed = child.exitcode is None
    if killed:
        child.kill()  # SIGKILL
        child.join()
    return killed


def kill_offsets(seed: int, count: int, window: float) -> list[float]:
    """`count` kill points, seconds into a run, drawn uniformly from (0, window] by `seed`."""
    rng = random.Random(seed)
    return [rng.uniform(0.0, window) or window for _ in range(count)]


def wait_for(condition: object, timeout: float, what: str) -> None:
    """Poll `condition()` until it is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
