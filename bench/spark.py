"""Benchmark: batch scoring on Spark local mode (1 and 2 cores) against DuckDB, from Parquet.

For each size (--activities, leads = activities / --activities-per-lead) it generates leads,
accounts and activities with numpy into Parquet, one chunk at a time (memory bounded by a
chunk; activities are a folder of part files, as a lake holds them), then scores every lead
with the starter model from the files and writes the scores as Parquet, as
`leadflow score --engine E --leads ... --activities ... --output DIR` does. Each engine runs
in a process of its own (Spark keeps one session per process), best of --runs:

- duckdb_seconds: DuckDB with as many threads as Spark's cores (--cores, the largest).
- spark_<N>core_seconds: Spark local[N]; spark_start_seconds: starting its session, apart.
- ratios: spark_<N>core_seconds / duckdb_seconds, and Spark's speed-up from 1 to N cores.

Sizes not run (--skip, or --budget-seconds spent) are listed under "not_run". Prints one
JSON object on the last line.

    nice .venv/bin/python bench/spark.py [--activities 10000000 100000000] [--cores 1 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from leadflow.engines import spark
from leadflow.engines.config import SparkConfig
from leadflow.scoring import Schema, parse_model, starter_model_text
from leadflow.scoring.batch_inputs import ExportSources, file_inputs, spark_inputs
from leadflow.scoring.engagement import to_micros
from leadflow.scoring.export import write_scores
from leadflow.storage.database import create_store_engine
from scoring import AS_OF, FORMS, INDUSTRIES, KINDS, LEAD_VALUES, PATHS, _pick

CHUNK_ROWS = 5_000_000


def generate(folder: Path, leads: int, activities: int, seed: int) -> None:
    """Accounts, leads and activities as Parquet part files, CHUNK_ROWS rows at a time."""
    rng = np.random.default_rng(seed)
    for name in ("leads", "accounts", "activities"):
        (folder / name).mkdir(parents=True)
    accounts = max(1, leads // 10)
    employees = rng.lognormal(5, 2, accounts).astype("int64")
    pq.write_table(
        pa.table(
            {
                "id": np.arange(1, accounts + 1),
                "employees": employees,
                "industry": _pick(rng, INDUSTRIES, accounts),
            }
        ),
        folder / "accounts" / "part-0.parquet",
    )
    for part, start in enumerate(range(0, leads, CHUNK_ROWS)):
        size = min(CHUNK_ROWS, leads - start)
        lead = {name: _pick(rng, values, size) for name, values in LEAD_VALUES.items()}
        account = pa.array(rng.integers(1, accounts + 1, size), mask=rng.random(size) < 0.1)
        lead |= {"account_id": account, "is_free_email": rng.random(size) < 0.2}
        lead |= {"is_disposable_email": rng.random(size) < 0.01}
        ids = np.arange(start + 1, start + size + 1)
        pq.write_table(pa.table({"id": ids, **lead}), folder / "leads" / f"part-{part}.parquet")
    shares = np.array(list(KINDS.values())) / sum(KINDS.values())
    for part, start in enumerate(range(0, activities, CHUNK_ROWS)):
        size = min(CHUNK_ROWS, activities - start)
        kind = np.array(list(KINDS))[rng.choice(len(KINDS), size, p=shares)]
        lead_id = pa.array(rng.integers(1, leads + 1, size), mask=rng.random(size) < 0.03)
        # A year back, and 1% stamped after as_of (clock skew), which must not count.
        ages = rng.integers(-86_400_000_000, 365 * 86_400_000_000, size)
        table = pa.table(
            {
                "lead_id": lead_id,
                "type": pa.array(kind),
                "occurred_at": pa.array(to_micros(AS_OF) - ages, pa.timestamp("us", tz="UTC")),
                "path": pa.array(np.where(kind == "page_view", _pick(rng, PATHS, size), None)),
                "form": pa.array(np.where(kind == "form_submit", _pick(rng, FORMS, size), None)),
            }
        )
        pq.write_table(table, folder / "activities" / f"part-{part}.parquet")


def score_once(engine: str, data: Path, output: Path, cores: int) -> dict[str, Any]:
    """Score the files in `data` on one engine, writing to `output`; seconds and counts."""
    model, schema = parse_model(starter_model_text(), file="starter.yaml"), Schema.build()
    files = {name: sorted((data / name).glob("*.parquet")) for name in ("leads", "accounts")}
    activities = sorted((data / "activities").glob("*.parquet"))
    started = time.perf_counter()
    if engine == "duckdb":
        inputs = file_inputs(
            leads=files["leads"], accounts=files["accounts"], activities=activities, threads=cores
        )
    else:
        sources = ExportSources(
            activities=(str(data / "activities"),),
            leads=(str(data / "leads"),),
            accounts=(str(data / "accounts"),),
        )
        # The store only lends its (empty) attribute schema; nothing is read from it.
        store = create_store_engine(f"sqlite:///{output.parent / 'empty.db'}")
        inputs = spark_inputs(store, config=_config(cores), sources=sources)
    counts = write_scores(model, schema, inputs, as_of=AS_OF, output=str(output))
    return {"seconds": time.perf_counter() - started, "leads": counts.leads, "mqls": counts.mqls}


def _config(cores: int) -> SparkConfig:
    # Local mode runs everything in the driver's JVM: its memory is Spark's working memory.
    return SparkConfig(master=f"local[{cores}]", driver_memory="6g")


def worker(engine: str, data: Path, cores: int, runs: int) -> dict[str, Any]:
    """In this process: start Spark if asked (timed apart), then the best of `runs` runs."""
    start = 0.0
    if engine == "spark":
        began = time.perf_counter()
        spark.session(_config(cores))
        start = time.perf_counter() - began
    best: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(runs):
            result = score_once(engine, data, Path(scratch) / f"scores-{run}", cores)
            if best is None or result["seconds"] < best["seconds"]:
                best = result
    assert best is not None
    return best | {"start_seconds": start}


def run_worker(engine: str, data: Path, cores: int, runs: int) -> dict[str, Any]:
    """`worker` in a fresh process (a Spark session is fixed once started)."""
    command = [sys.executable, __file__, "--worker", engine, "--data", str(data)]
    command += ["--cores", str(cores), "--runs", str(runs)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{engine} on {cores} cores failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    # Each figure as it comes, on stderr: a long run shows its progress.
    print(f"{engine} on {cores} cores: {json.dumps(result)}", file=sys.stderr, flush=True)
    return result


def measure(size: int, per_lead: int, cores: list[int], runs: int, data: Path) -> dict[str, Any]:
    """Generate one size and time every engine on it."""
    leads = max(1, size // per_lead)
    began = time.perf_counter()
    generate(data, leads, size, seed=7)
    figures: dict[str, Any] = {"activities": size, "leads": leads}
    figures["generate_seconds"] = time.perf_counter() - began
    duck = run_worker("duckdb", data, max(cores), runs)
    figures["duckdb_seconds"] = duck["seconds"]
    for count in cores:
        result = run_worker("spark", data, count, runs)
        assert (result["leads"], result["mqls"]) == (duck["leads"], duck["mqls"]), "disagree"
        figures[f"spark_{count}core_seconds"] = result["seconds"]
        figures[f"spark_{count}core_start_seconds"] = result["start_seconds"]
        figures[f"spark_{count}core_ratio_to_duckdb"] = result["seconds"] / duck["seconds"]
    low, high = min(cores), max(cores)
    if low != high:
        figures[f"spark_speedup_{low}_to_{high}_cores"] = (
            figures[f"spark_{low}core_seconds"] / figures[f"spark_{high}core_seconds"]
        )
    figures["scored_leads"], figures["mqls"] = duck["leads"], duck["mqls"]
    return figures


def main() -> None:
    """Generate each size, time DuckDB and Spark on it, print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, nargs="+", default=[10_000_000, 100_000_000])
    parser.add_argument("--activities-per-lead", type=int, default=10)
    parser.add_argument("--cores", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--budget-seconds", type=float, default=float("inf"))
    parser.add_argument("--skip", type=int, nargs="*", default=[])
    parser.add_argument("--worker", choices=["duckdb", "spark"])
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    if args.worker:
        result = worker(args.worker, args.data, args.cores[0], args.runs)
        print(json.dumps(result))
        return
    began = time.perf_counter()
    sizes, not_run = [], []
    for size in args.activities:
        if size in args.skip or time.perf_counter() - began > args.budget_seconds:
            not_run.append(size)
            continue
        with tempfile.TemporaryDirectory(dir=args.data) as folder:
            sizes.append(
                measure(size, args.activities_per_lead, args.cores, args.runs, Path(folder))
            )
    rounded = [{k: round(v, 3) if isinstance(v, float) else v for k, v in s.items()} for s in sizes]
    print(json.dumps({"sizes": rounded, "not_run": not_run, "cores": args.cores}))


if __name__ == "__main__":
    main()
