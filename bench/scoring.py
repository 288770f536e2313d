"""Benchmark: batch scoring on DuckDB against its floor and pandas, and real-time updates.

Generates synthetic leads, accounts and activities with numpy straight into Parquet files
(no store), scores them with the starter model, and prints one JSON object on the last line:

- batch_seconds: inputs over the files, `score_table` built and executed by DuckDB to Arrow
  (every lead's scores and rule columns), best of --runs; batch_dedup_seconds: the same with
  an `event_id` column, so repeats count once; batch_python_seconds: `batch_scores` streaming
  every LeadScore (explanation included) through Python once.
- floor_seconds: `SELECT lead_id, SUM(points) ... GROUP BY lead_id` over a pre-matched
  Parquet file of as many rows; floor_ratio = batch_seconds / floor_seconds.
- pandas_seconds: a straightforward pandas implementation of the same scores (read the
  files, vectorised matching, decay, groupby, caps, bands); pandas_ratio = pandas / batch.
  With --pandas-sample below 1 it runs on that fraction of the activities and is scaled up.
- realtime_events_per_s: `LeadState.advance` + `absorb` + `score` per event, one lead at a
  time on one core; realtime_absorb_only_events_per_s without the `score`.
- realtime_store_updates_per_s: through a SQLite store, as ingestion does: per event, one
  transaction that stores the activity and calls `scoring.realtime.rescore_lead`.

    .venv/bin/python bench/scoring.py [--leads 1000000] [--activities 10000000] [--threads T]
"""

from __future__ import annotations

import argparse
import json
import operator
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from string import ascii_lowercase, ascii_uppercase
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from leadflow.activities.models import Activity
from leadflow.config import load_settings
from leadflow.engines import connect, duck
from leadflow.leads.models import Lead
from leadflow.scoring import Event, LeadState, Schema, parse_model, starter_model_text, versions
from leadflow.scoring.batch import batch_scores, score_table
from leadflow.scoring.batch_inputs import file_inputs
from leadflow.scoring.engagement import duration_micros, to_micros
from leadflow.scoring.language import fold_case, names
from leadflow.scoring.language import nodes as n
from leadflow.scoring.realtime import rescore_lead
from leadflow.storage.database import create_store_engine, migrate, session_factory

AS_OF = datetime(2025, 7, 1, tzinfo=UTC)
COMPARE = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le}
COMPARE |= {">": operator.gt, ">=": operator.ge}
# Event types and how common each is; lead and account values drawn uniformly.
KINDS = dict(page_view=55, email_open=15, email_click=8, content_download=5, form_submit=4)
KINDS |= dict(webinar_registered=3, webinar_attended=2, demo_request=2, contact_request=1)
KINDS |= dict(trial_signup=2, unsubscribe=2, email_bounce=1)
PATHS = ["/", "/pricing", "/pricing/teams", "/blog/post", "/docs", "/careers", "/jobs/1", "/demo"]
FORMS = ["newsletter", "job_application", "contact", "careers", "ebook"]
LEAD_VALUES = {
    "seniority": [None, "c-level", "vp", "director", "manager", "entry", "intern", "student"],
    "department": [None, "engineering", "marketing", "sales", "finance", "hr"],
    "title": [None, "Head of Growth", "VP Sales", "Director of IT", "Student", "Engineer"],
    "country": [None, "US", "GB", "DE", "FR", "IN", "BR", "Australia"],
    "email_domain": ["acme.example", "rival.example", "uni.edu", "mail.example", "corp.example"],
}
INDUSTRIES = [None, "software", "internet", "retail", "healthcare", "education"]


def _pick(rng: np.random.Generator, choices: list[Any], size: int) -> np.ndarray:
    return np.array(choices, dtype=object)[rng.integers(0, len(choices), size)]


def generate(folder: Path, leads: int, activities: int, seed: int) -> dict[str, Path]:
    """Leads, accounts, activities (also with event ids) and the floor's input, as Parquet."""
    rng = np.random.default_rng(seed)
    files = {name: folder / f"{name}.parquet" for name in ("leads", "accounts", "floor")}
    files |= {"activities": folder / "a.parquet", "activities_ids": folder / "a_ids.parquet"}
    accounts = max(1, leads // 10)
    employees = rng.lognormal(5, 2, accounts).astype("int64")
    industry = _pick(rng, INDUSTRIES, accounts)
    pq.write_table(
        pa.table({"id": np.arange(1, accounts + 1), "employees": employees, "industry": industry}),
        files["accounts"],
    )
    lead = {name: _pick(rng, values, leads) for name, values in LEAD_VALUES.items()}
    account_id = pa.array(rng.integers(1, accounts + 1, leads), mask=rng.random(leads) < 0.1)
    free, disposable = rng.random(leads) < 0.2, rng.random(leads) < 0.01
    lead |= {"account_id": account_id, "is_free_email": free, "is_disposable_email": disposable}
    pq.write_table(pa.table({"id": np.arange(1, leads + 1), **lead}), files["leads"])
    shares = np.array(list(KINDS.values())) / sum(KINDS.values())
    kind = np.array(list(KINDS))[rng.choice(len(KINDS), activities, p=shares)]
    lead_id = pa.array(rng.integers(1, leads + 1, activities), mask=rng.random(activities) < 0.03)
    # A year back, and 1% stamped after as_of (clock skew), which must not count.
    ages = rng.integers(-86_400_000_000, 365 * 86_400_000_000, activities)
    path = np.where(kind == "page_view", _pick(rng, PATHS, activities), None)
    form = np.where(kind == "form_submit", _pick(rng, FORMS, activities), None)
    activity = pa.table(
        {
            "lead_id": lead_id,
            "type": pa.array(kind).dictionary_encode(),
            "occurred_at": pa.array(to_micros(AS_OF) - ages, pa.timestamp("us", tz="UTC")),
            "path": pa.array(path, pa.string()).dictionary_encode(),
            "form": pa.array(form, pa.string()).dictionary_encode(),
        }
    )
    pq.write_table(activity, files["activities"])
    ids = pa.array(np.arange(activities)).cast(pa.string())
    pq.write_table(activity.append_column("event_id", ids), files["activities_ids"])
    points = rng.integers(-20, 40, activities).astype("float64")
    pq.write_table(pa.table({"lead_id": lead_id, "points": points}), files["floor"])
    return files


def truth(node: Any, values: dict[str, Any], counts: dict[Any, Any]) -> Any:
    """A condition over pandas columns in three-valued logic (NA is unknown), folded case."""
    match node:
        case n.And(terms=terms) | n.Or(terms=terms):
            parts = [truth(term, values, counts) for term in terms]
            joined = parts[0]
            for part in parts[1:]:
                joined = joined & part if isinstance(node, n.And) else joined | part
            return joined
        case n.Not(term=term):
            return ~truth(term, values, counts)
        case n.Did(query=query):
            return (counts[query] > 0).astype("boolean")
        case n.Compare(op=op, left=left, right=right):
            a, b = operand(left, values, counts), operand(right, values, counts)
            return pd.Series(COMPARE[op](a, b)).astype("boolean")
        case n.InList(operand=item, items=items, negated=negated):
            a = operand(item, values, counts)
            found = a.isin([fold_case(i.value) for i in items]).astype("boolean")
            return ~found.mask(a.isna()) if negated else found.mask(a.isna())
        case n.TextMatch(op=op, operand=item, pattern=pattern):
            a, part = operand(item, values, counts), operand(pattern, values, counts)
            matched = a.str.contains(part, regex=False) if op == "contains" else None
            return (matched if matched is not None else getattr(a.str, op)(part)).astype("boolean")
        case n.IsMissing(operand=item, negated=negated):
            missing = operand(item, values, counts).isna().astype("boolean")
            return ~missing if negated else missing
    return operand(node, values, counts).astype("boolean")


def operand(node: Any, values: dict[str, Any], counts: dict[Any, Any]) -> Any:
    """A literal (text folded), a column by name (text columns come folded) or a count."""
    match node:
        case n.Literal(value=str() as text):
            return fold_case(text)
        case n.Literal(value=value):
            return value
        case n.Count(query=query):
            return counts[query]
    return values[node.name]


def folded(frame: Any, names: Any) -> dict[str, Any]:
    """Each named column, text folded to ASCII lower case once; absent columns are NA."""
    lower = str.maketrans(ascii_uppercase, ascii_lowercase)
    columns = {}
    for name in names:
        column = frame[name] if name in frame else pd.Series(pd.NA, index=frame.index)
        is_text = pd.api.types.is_string_dtype(column.dtype)
        columns[name] = column.str.translate(lower) if is_text else column
    return columns


def pandas_scores(model: Any, files: dict[str, Path], *, as_of: datetime, sample: float) -> Any:
    """The same scores the plain pandas way: masks per rule, decay, groupby, caps, bands."""
    read = partial(pd.read_parquet, dtype_backend="numpy_nullable")
    acts = read(files["activities"])
    acts = acts.sample(frac=sample, random_state=0) if sample < 1 else acts
    acts = acts[acts.lead_id.notna() & (acts.occurred_at <= pd.Timestamp(as_of))]
    age = ((pd.Timestamp(as_of) - acts.occurred_at) // pd.Timedelta(microseconds=1)).to_numpy()
    wheres = [r.where for r in model.engagement_rules] + [q.where for q in model.event_queries]
    props = folded(acts, {name for where in wheres if where for name in names(where)})
    terms = pd.DataFrame({"lead_id": acts.lead_id.astype("int64")})

    def matches(kind: str, where: Any) -> Any:
        found = acts.type == kind
        return found if where is None else found & truth(where, props, {}).fillna(False)

    for i, rule in enumerate(model.engagement_rules):
        half_life = 1.0 if rule.half_life is None else duration_micros(rule.half_life)
        decay = 1.0 if rule.half_life is None else 2.0 ** (-age / half_life)
        terms[f"e{i}"] = np.where(matches(rule.event, rule.where), rule.points * decay, 0.0)
    for j, query in enumerate(model.event_queries):
        within = np.inf if query.within is None else duration_micros(query.within)
        terms[f"q{j}"] = matches(query.event_type, query.where) & (age <= within)
    sums = terms.groupby("lead_id").sum()
    leads = read(files["leads"]).set_index("id")
    accounts = read(files["accounts"]).set_index("id").add_prefix("account.")
    leads = leads.join(accounts, on="account_id").join(sums).fillna({c: 0 for c in sums})
    conditions = [r.when for r in (*model.fit_rules, *model.disqualify_rules)]
    values = folded(leads, {x for c in [*conditions, model.mql_criteria] for x in names(c)})
    counts = {query: leads[f"q{j}"] for j, query in enumerate(model.event_queries)}
    fit = sum(
        np.where(truth(r.when, values, counts).fillna(False), r.points, 0.0)
        for r in model.fit_rules
    )
    capped = [
        leads[f"e{i}"].clip(-(r.cap or np.inf), r.cap or np.inf)
        for i, r in enumerate(model.engagement_rules)
    ]
    out = pd.DataFrame({"fit": fit, "engagement": sum(capped)}, index=leads.index)
    for name, bands in (("fit_band", model.fit_bands), ("engagement_band", model.engagement_bands)):
        steps = [out[name.split("_")[0]] >= t for t in bands.thresholds]
        out[name] = np.select(steps, bands.labels[:-1], bands.labels[-1])
    out["grade"] = out.fit_band + out.engagement_band
    out["engagement_band"] = out.engagement_band.astype(int)
    held = [truth(r.when, values, counts).fillna(False) for r in model.disqualify_rules]
    out["disqualified_by"] = np.select(held, [r.name for r in model.disqualify_rules], None)
    scores = {k: out[k] for k in ("fit", "engagement", "engagement_band")}
    scores |= {k: out[k].str.lower() for k in ("fit_band", "grade")}
    criteria = truth(model.mql_criteria, values | scores, counts).fillna(False)
    out["is_mql"] = out.disqualified_by.isna() & criteria
    return out


def timed(work: Any) -> tuple[float, Any]:
    """Seconds the call took, and what it returned."""
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def best_of(runs: int, work: Any) -> tuple[float, Any]:
    """The fastest of `runs` calls (warm caches), and the last result."""
    results = [timed(work) for _ in range(runs)]
    return min(seconds for seconds, _ in results), results[-1][1]


def realtime_rates(model: Any, files: dict[str, Path], events: int) -> dict[str, float]:
    """Events per second through LeadState (advance + absorb, then also score), one core."""
    rows = pq.read_table(files["activities"]).slice(0, events).to_pylist()
    streams: dict[int, list[Event]] = {}
    for i, row in enumerate(rows):
        if row["lead_id"] is not None and row["occurred_at"] <= AS_OF:
            properties = {k: row[k] for k in ("path", "form") if row[k] is not None}
            event = Event(str(i), row["type"], row["occurred_at"], properties)
            streams.setdefault(row["lead_id"] % 1000, []).append(event)
    for stream in streams.values():
        stream.sort(key=lambda event: event.occurred_at)
    lead = {"seniority": "vp", "country": "US", "account.employees": 800}
    count = sum(len(stream) for stream in streams.values())
    rates = {}
    for scored in (False, True):
        start = time.perf_counter()
        for stream in streams.values():
            state = LeadState.empty(model)
            for event in stream:
                state = state.advance(event.occurred_at).absorb(event)
                if scored:
                    state.score(lead, at=event.occurred_at)
        rates["scored" if scored else "absorbed"] = count / (time.perf_counter() - start)
    return rates


def store_rate(model: Any, folder: Path, updates: int) -> float:
    """Updates per second through a SQLite store: store the activity, rescore, commit."""
    engine = create_store_engine(f"sqlite:///{folder / 'store.db'}")
    migrate(engine)
    factory, settings = session_factory(engine), load_settings()
    with factory.begin() as session:
        versions.record_version(session=session, model=model, source=starter_model_text())
        versions.activate(session=session, version=model.version)
        for i in range(100):
            new = Lead(email=f"lead{i}@corp.example", email_domain="corp.example")
            new.seniority, new.country, new.created_at = "vp", "US", AS_OF
            new.stage_changed_at = AS_OF
            session.add(new)
    start = time.perf_counter()
    for i in range(updates):
        at = AS_OF + timedelta(seconds=i)
        with factory.begin() as session:
            lead = session.get(Lead, 1 + i % 100)
            assert lead is not None
            kind, path = ("page_view", PATHS[i % len(PATHS)]) if i % 3 else ("email_click", None)
            activity = Activity(
                event_id=f"s{i}",
                lead_id=lead.id,
                type=kind,
                occurred_at=at,
                properties={"path": path},
            )
            session.add(activity)
            session.flush()
            rescore_lead(
                session=session,
                lead=lead,
                model=model,
                new_activities=[activity],
                at=at,
                settings=settings,
            )
    seconds = time.perf_counter() - start
    engine.dispose()
    return updates / seconds


def main() -> None:
    """Generate, time each contender, print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag, default in (("leads", 1_000_000), ("activities", 10_000_000), ("threads", None)):
        parser.add_argument(f"--{flag}", type=int, default=default)
    parser.add_argument("--pandas-sample", type=float, default=1.0)
    parser.add_argument("--realtime-events", type=int, default=200_000)
    parser.add_argument("--store-updates", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    model, schema = parse_model(starter_model_text(), file="starter.yaml"), Schema.build()
    with tempfile.TemporaryDirectory() as folder:
        generated, files = timed(lambda: generate(Path(folder), args.leads, args.activities, 7))

        def inputs(activity: str) -> Any:
            leads, accounts = [files["leads"]], [files["accounts"]]
            paths = [files[activity]]
            return file_inputs(
                leads=leads, accounts=accounts, activities=paths, threads=args.threads
            )

        def engine(activity: str) -> pa.Table:
            table = score_table(model, schema, inputs(activity), as_of=AS_OF)
            return duck.arrow_batches(table, batch_rows=1_000_000).read_all()

        floor = connect.duckdb(threads=args.threads).read_parquet(str(files["floor"]))
        floor = floor.group_by("lead_id").aggregate(points=floor.points.sum())
        floor_s, _ = best_of(
            args.runs, lambda: duck.arrow_batches(floor, batch_rows=10**6).read_all()
        )
        batch_s, arrow = best_of(args.runs, lambda: engine("activities"))
        dedup_s, deduped = best_of(args.runs, lambda: engine("activities_ids"))
        python_s, scored = timed(
            lambda: sum(1 for _ in batch_scores(model, schema, inputs("activities"), as_of=AS_OF))
        )
        sample = args.pandas_sample
        pandas_s, frame = timed(lambda: pandas_scores(model, files, as_of=AS_OF, sample=sample))
        rates = realtime_rates(model, files, min(args.realtime_events, args.activities))
        store_updates = store_rate(model, Path(folder), args.store_updates)
    figures = {
        "leads": args.leads,
        "activities": args.activities,
        "threads": args.threads or "all",
        "generate_seconds": generated,
        "batch_seconds": batch_s,
        "batch_dedup_seconds": dedup_s,
        "batch_python_seconds": python_s,
        "floor_seconds": floor_s,
        "floor_ratio": batch_s / floor_s,
        "pandas_seconds": pandas_s / sample,
        "pandas_sample": sample,
        "pandas_ratio": pandas_s / sample / batch_s,
        "pandas_agrees": _agree(arrow, frame) if sample == 1 else None,
        "realtime_events_per_s": rates["scored"],
        "realtime_absorb_only_events_per_s": rates["absorbed"],
        "realtime_store_updates_per_s": store_updates,
        "rows_scored": [arrow.num_rows, deduped.num_rows, scored],
    }
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}))


def _agree(arrow: pa.Table, frame: Any) -> bool:
    """Whether pandas and the batch give the same scores, grades, reasons and MQLs per lead."""
    batch = arrow.to_pandas().set_index("lead_id").sort_index()
    other = frame.set_axis(frame.index.astype("int64")).reindex(batch.index)
    close = all(
        np.allclose(batch[c], other[c], rtol=1e-9, atol=1e-9) for c in ("fit", "engagement")
    )
    labels = ["grade", "disqualified_by", "is_mql"]
    return close and all(
        (batch[c].astype(object).fillna("-") == other[c].astype(object).fillna("-")).all()
        for c in labels
    )


if __name__ == "__main__":
    main()
