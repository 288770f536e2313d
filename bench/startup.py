"""Benchmark: how long `leadflow --help` and a small command's help take to start.

Runs each command N times in a fresh interpreter and reports the median wall time, the
median of a bare `python -c pass` (the floor every command pays), and the time spent
importing modules (`-X importtime`: the sum of every module's own time, one run).
The last line printed is one JSON object; the aim is at most 0.3 s of imports.

    .venv/bin/python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "help": ["--help"],
    "leads_list_help": ["leads", "list", "--help"],
}
ENTRY = "from leadflow.cli.app import main; main()"
AIM_IMPORT_S = 0.3


def wall(arguments: list[str], runs: int) -> float:
    """The median seconds of `runs` fresh runs."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(arguments, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def import_seconds(arguments: list[str]) -> float:
    """Seconds spent importing modules in one run (the sum of each module's own time)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", ENTRY, *arguments],
        check=True,
        capture_output=True,
        text=True,
    )
    total_us = 0
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            own = line.split(":", 1)[1].split("|")[0].strip()
            if own.isdigit():
                total_us += int(own)
    return total_us / 1e6


def main() -> None:
    """Time each command; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    floor = wall([sys.executable, "-c", "pass"], args.runs)
    results: dict[str, object] = {
        "runs": args.runs,
        "python_floor_s": round(floor, 3),
        "aim_import_s": AIM_IMPORT_S,
    }
    for name, arguments in COMMANDS.items():
        seconds = wall([sys.executable, "-c", ENTRY, *arguments], args.runs)
        imports = import_seconds(arguments)
        results[name] = {
            "median_s": round(seconds, 3),
            "over_floor_s": round(seconds - floor, 3),
            "import_s": round(imports, 3),
            "aim_met": imports <= AIM_IMPORT_S,
        }
        print(f"{name}: {results[name]}", file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
