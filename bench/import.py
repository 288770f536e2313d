"""Benchmark: import 1,000,000 activities across 50,000 leads, from CSV and Parquet.

Imports into a fresh SQLite store, and into a scratch PostgreSQL database when
LEADFLOW_TEST_POSTGRES_URL is set. Each import runs in a child process, so the peak memory
measured is the import's alone (not the generator's). The last line printed is one JSON
object: per database and format, rows, seconds, rows_per_s, peak_rss_mb and the import
process's cpu_seconds (on a busy machine, rows / cpu_seconds is the steadier figure), with
the aims. `--baseline-src DIR` imports each file a second time with another checkout's `src`
(for example the commit before a change, from `git archive`) first on PYTHONPATH, and
reports the speed-up of this code over it, both measured in the same run.

    .venv/bin/python bench/import.py [--rows 1000000] [--leads 50000] [--no-parquet]
        [--no-sqlite] [--baseline-src DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

AIM_ROWS_PER_S = 100_000
AIM_PEAK_RSS_MB = 500
TYPES = ("page_view", "page_view", "page_view", "email_open", "email_click", "form_submit")
PAGES = ("/", "/pricing", "/blog/lead-scoring", "/docs", "/demo", "/careers")
SOURCES = (("google", "cpc", "brand"), ("linkedin", "paid_social", "abm-q3"), ("", "", ""))


def generate(path: Path, rows: int, leads: int, seed: int = 7) -> None:
    """A CSV of activities without event ids (the harder, digest-keyed path)."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["email", "type", "occurred_at", "source", "medium", "campaign", "page", "seconds"]
        )
        for i in range(rows):
            lead = rng.randrange(leads)
            when = start + timedelta(seconds=i * 17 + rng.randrange(17))
            source, medium, campaign = rng.choice(SOURCES)
            writer.writerow(
                [
                    f"person{lead}@company{lead % 5000}.com",
                    rng.choice(TYPES),
                    when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    source,
                    medium,
                    campaign,
                    rng.choice(PAGES),
                    rng.randrange(1, 600),
                ]
            )


def to_parquet(source: Path, target: Path) -> None:
    """The same rows as Parquet (all columns as text, as a CSV export would give)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    names = source.open().readline().strip().split(",")
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()))
    pq.write_table(pacsv.read_csv(source, convert_options=convert), target)


def child(url: str, path: str) -> None:
    """Import one file into the store at `url`; print the figures as JSON."""
    from leadflow.importing.service import import_file
    from leadflow.storage.database import open_store

    engine = open_store(url)
    summary = import_file(engine=engine, kind="activities", path=Path(path))
    engine.dispose()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {
        "rows": summary.rows,
        "stored": summary.created,
        "leads_created": summary.leads_created,
        "seconds": round(summary.seconds, 2),
        "rows_per_s": round(summary.rows / summary.seconds),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        # CPU time of the import process: the figure to trust on a busy machine.
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
    }
    print(json.dumps(result))


def measure(url: str, path: Path, src: str | None = None) -> dict[str, object]:
    """Run one import in a child process (with `src` first on its path) and return its
    figures."""
    env = dict(os.environ, PYTHONPATH=src) if src else None
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def postgres_scratch(server: str) -> tuple[str, object]:
    """A new empty database on the server, and a function that drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"leadflow_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server).set(database=name).render_as_string(hide_password=False), drop


def each_file(
    files: dict[str, Path], store: Callable[[str], tuple[str, Any]], baseline: str | None
) -> dict[str, object]:
    """Import every file into a fresh store (and with the baseline's code into another)."""
    figures: dict[str, object] = {}
    for name, path in files.items():
        runs: dict[str, Any] = {}
        for label, src in (("now", None), ("baseline", baseline)):
            if label == "baseline" and not src:
                continue
            url, drop = store(f"{name}-{label}")
            try:
                runs[label] = measure(url, path, src)
            finally:
                if drop is not None:
                    drop()
        result = runs["now"]
        if "baseline" in runs:
            result["baseline"] = runs["baseline"]
            result["speedup_vs_baseline"] = round(
                runs["baseline"]["seconds"] / max(result["seconds"], 1e-9), 2
            )
            result["cpu_speedup_vs_baseline"] = round(
                runs["baseline"]["cpu_seconds"] / max(result["cpu_seconds"], 1e-9), 2
            )
        result["aim_rows_per_s"] = AIM_ROWS_PER_S
        result["aim_peak_rss_mb"] = AIM_PEAK_RSS_MB
        figures[name] = result
        print(f"{name}: {result}", file=sys.stderr)
    return figures


def main() -> None:
    """Generate the files, import each into each database, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--leads", type=int, default=50_000)
    parser.add_argument("--no-parquet", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--baseline-src", metavar="DIR", help="another checkout's src folder")
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    results: dict[str, object] = {"rows": args.rows, "leads": args.leads}
    with tempfile.TemporaryDirectory(prefix="leadflow-bench-") as folder:
        files = {"csv": Path(folder) / "activities.csv"}
        generate(files["csv"], args.rows, args.leads)
        if not args.no_parquet:
            files["parquet"] = Path(folder) / "activities.parquet"
            to_parquet(files["csv"], files["parquet"])
        if not args.no_sqlite:
            results["sqlite"] = each_file(
                files, lambda name: (f"sqlite:///{folder}/{name}.db", None), args.baseline_src
            )
        server = os.environ.get("LEADFLOW_TEST_POSTGRES_URL")
        if server:
            results["postgresql"] = each_file(
                files, lambda name: postgres_scratch(server), args.baseline_src
            )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
