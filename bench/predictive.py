"""Benchmark: point-in-time features against batch rule scoring, LightGBM training, and
real-time predictive scoring.

Generates the scoring benchmark's synthetic leads, accounts and activities (bench/scoring.py)
as Parquet, each lead with a creation time, and prints one JSON object on the last line:

- features_seconds: `predict.features.feature_table` for every lead at one time, built and
  executed by DuckDB over the files to Arrow (best of --runs); batch_seconds: the starter
  model's `score_table` on the same files in the same run; features_ratio = features / batch.
- train_seconds: one calibrated LightGBM learner (`make_learner("lightgbm")`: three
  calibration folds and the final fit) on every lead's features, labels drawn from a known
  logistic function of them; train_rows; peak_rss_mb: the process's peak resident memory
  at the end (files, features, training).
- realtime_leads_per_s: leads scored per second on one thread by the real-time path's own
  steps: the plain-Python feature twin (`predict.online.features_frame`) over each lead's
  attributes and events, then one batched `predict_proba`, in batches of --batch leads.

    .venv/bin/python bench/predictive.py [--leads 1000000] [--activities 10000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from leadflow.engines import duck
from leadflow.predict.features import feature_table, points_at, typed_frame
from leadflow.predict.learners import make_learner
from leadflow.predict.online import features_frame
from leadflow.predict.spec import feature_spec
from leadflow.scoring import Event, Schema, parse_model, starter_model_text
from leadflow.scoring.batch import score_table
from leadflow.scoring.batch_inputs import file_inputs
from leadflow.scoring.engagement import to_micros
from scoring import AS_OF, best_of, generate, timed

YEAR_US = 365 * 86_400_000_000


def with_creation_times(files: dict[str, Path], seed: int) -> None:
    """Give every generated lead a creation time in the year before AS_OF."""
    leads = pq.read_table(files["leads"])
    rng = np.random.default_rng(seed)
    created = to_micros(AS_OF) - rng.integers(0, YEAR_US, leads.num_rows)
    column = pa.array(created, pa.timestamp("us", tz="UTC"))
    pq.write_table(leads.append_column("created_at", column), files["leads"])


def known_labels(frame: Any, seed: int) -> np.ndarray:
    """Outcomes drawn from a logistic function of a few features, so there is signal."""
    rng = np.random.default_rng(seed)
    logit = -3.0 + 0.4 * np.log1p(frame["page_view_count_30d"].to_numpy())
    logit += 1.5 * (frame["demo_request_count_90d"].to_numpy() > 0)
    logit += 0.8 * (frame["seniority"].to_numpy() == "vp")
    return (rng.random(len(frame)) < 1 / (1 + np.exp(-logit))).astype(int)


def realtime_rate(spec: Any, learner: Any, files: dict[str, Path], leads: int, batch: int) -> float:
    """Leads per second through the twin's features and one predict per batch."""
    table = pq.read_table(files["leads"]).slice(0, leads).to_pylist()
    wanted = {row["id"] for row in table}
    activity = pq.read_table(files["activities"]).to_pandas()
    activity = activity[activity["lead_id"].isin(wanted)]
    events: dict[int, list[Event]] = {lead: [] for lead in wanted}
    for i, (lead, kind, at) in enumerate(
        zip(activity["lead_id"], activity["type"], activity["occurred_at"], strict=True)
    ):
        events[int(lead)].append(Event(str(i), str(kind), at.to_pydatetime(), {}))
    rows = [(row["id"], row, events[row["id"]], AS_OF) for row in table]
    learner.fitted_pipeline_.named_steps["model"].set_params(n_jobs=1)

    def score_all() -> int:
        done = 0
        for start in range(0, len(rows), batch):
            frame = features_frame(spec, rows[start : start + batch])
            learner.predict_proba(frame[spec.columns])
            done += len(frame)
        return done

    seconds, done = timed(score_all)
    return done / seconds


def main() -> None:
    """Generate, time features, batch scoring, training and real time; print one JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--activities", type=int, default=10_000_000)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--realtime-leads", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    model, schema = parse_model(starter_model_text(), file="starter.yaml"), Schema.build()
    spec = feature_spec(schema)
    with tempfile.TemporaryDirectory() as folder:
        generated, files = timed(lambda: generate(Path(folder), args.leads, args.activities, 7))
        with_creation_times(files, 8)

        def inputs() -> Any:
            return file_inputs(
                leads=[files["leads"]],
                accounts=[files["accounts"]],
                activities=[files["activities"]],
                threads=args.threads,
            )

        def features() -> pa.Table:
            source = inputs()
            table = feature_table(spec, schema, source, points_at(source, AS_OF))
            return duck.arrow_batches(table, batch_rows=1_000_000).read_all()

        def rules() -> pa.Table:
            table = score_table(model, schema, inputs(), as_of=AS_OF)
            return duck.arrow_batches(table, batch_rows=1_000_000).read_all()

        batch_s, scored = best_of(args.runs, rules)
        features_s, built = best_of(args.runs, features)
        frame = typed_frame(built.to_pandas(), spec)
        del built
        labels = known_labels(frame, 9)
        learner = make_learner(
            "lightgbm", numeric=spec.columns[len(spec.categorical) :], categorical=spec.categorical
        )
        train_s, _ = timed(partial(learner.fit, frame[spec.columns], labels))
        del frame
        rate = realtime_rate(spec, learner, files, args.realtime_leads, args.batch)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "leads": args.leads,
        "activities": args.activities,
        "threads": args.threads or "all",
        "features": len(spec.columns),
        "generate_seconds": generated,
        "batch_seconds": batch_s,
        "features_seconds": features_s,
        "features_ratio": features_s / batch_s,
        "rows": [scored.num_rows, len(labels)],
        "train_seconds": train_s,
        "train_rows": len(labels),
        "train_positives": int(labels.sum()),
        "peak_rss_mb": peak_mb,
        "realtime_leads_per_s": rate,
        "realtime_batch": args.batch,
    }
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()
