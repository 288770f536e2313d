"""Laws of the condition language, on generated conditions and rows with missing values.

Printing then parsing gives the condition back; the compiled Ibis expression, run on DuckDB and
on SQLite, gives exactly the Python evaluator's three-valued answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ibis.backends import BaseBackend
from sqlalchemy.engine import make_url

from leadflow.scoring.errors import Source
from leadflow.scoring.language import (
    Scope,
    ValueType,
    check_condition,
    evaluate,
    parse_condition,
    to_text,
)
from leadflow.scoring.language import nodes as n
from leadflow.scoring.language.evaluator import compile_predicate, no_events
from leadflow.scoring.language.ibis_compiler import compile_condition

TEXT_NAMES = ("s1", "s2", "odd name")
NUMBER_NAMES = ("n1", "count")
BOOLEAN_NAMES = ("b1",)
SCOPE = Scope(
    "a test",
    {
        **dict.fromkeys(TEXT_NAMES, ValueType.TEXT),
        **dict.fromkeys(NUMBER_NAMES, ValueType.NUMBER),
        **dict.fromkeys(BOOLEAN_NAMES, ValueType.BOOLEAN),
    },
    "attribute",
)

# Values that collide often: upper and lower case, non-ASCII letters whose case engines fold
# differently, LIKE wildcards, quotes and backslashes; and a few random ones.
texts = st.sampled_from(
    ["", "a", "A", "ab", "aB", "a_", "a%", "A%b", "%", "_", "É", "é", "éa", "b'\\"]
) | st.text(alphabet="aAbB%_'\\ Éé", max_size=4)
numbers = st.sampled_from([-2.5, -1, 0, 0.5, 1, 2, 3.25, 10])

names = st.builds(n.Name, st.sampled_from(TEXT_NAMES + NUMBER_NAMES + BOOLEAN_NAMES))
text_operands = st.builds(n.Literal, texts) | st.builds(n.Name, st.sampled_from(TEXT_NAMES))
number_operands = st.builds(n.Literal, numbers) | st.builds(n.Name, st.sampled_from(NUMBER_NAMES))


def _compare(op: str, left: n.Operand, right: n.Operand) -> n.Compare:
    return n.Compare(op, left, right)  # type: ignore[arg-type]


leaf_conditions = st.one_of(
    st.builds(_compare, st.sampled_from(["=", "!="]), text_operands, text_operands),
    st.builds(
        _compare,
        st.sampled_from(["=", "!=", "<", "<=", ">", ">="]),
        number_operands,
        number_operands,
    ),
    st.builds(
        n.InList,
        st.builds(n.Name, st.sampled_from(TEXT_NAMES)),
        st.lists(st.builds(n.Literal, texts), min_size=1, max_size=3).map(tuple),
        st.booleans(),
    ),
    st.builds(
        n.InList,
        st.builds(n.Name, st.sampled_from(NUMBER_NAMES)),
        st.lists(st.builds(n.Literal, numbers), min_size=1, max_size=3).map(tuple),
        st.booleans(),
    ),
    st.builds(
        n.TextMatch,
        st.sampled_from(["contains", "startswith", "endswith"]),
        text_operands,
        text_operands,
    ),
    st.builds(n.IsMissing, names, st.booleans()),
    st.builds(n.Name, st.sampled_from(BOOLEAN_NAMES)),
    st.builds(n.Literal, st.booleans()),
    st.builds(
        _compare,
        st.sampled_from(["=", "!="]),
        st.builds(n.Name, st.sampled_from(BOOLEAN_NAMES)),
        st.builds(n.Literal, st.booleans()),
    ),
)

conditions: st.SearchStrategy[n.Condition] = st.recursive(
    leaf_conditions,
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda terms: n.all_of(*terms)),
        st.lists(inner, min_size=2, max_size=3).map(lambda terms: n.any_of(*terms)),
        st.builds(n.Not, inner),
    ),
    max_leaves=8,
)


rows = st.fixed_dictionaries(
    {
        **{name: st.none() | texts for name in TEXT_NAMES},
        **{name: st.none() | numbers for name in NUMBER_NAMES},
        **{name: st.none() | st.booleans() for name in BOOLEAN_NAMES},
    }
)

PYARROW_TYPES = {ValueType.TEXT: pa.string(), ValueType.NUMBER: pa.float64()}
PYARROW_TYPES[ValueType.BOOLEAN] = pa.bool_()
ARROW_SCHEMA = pa.schema(
    [("row", pa.int64())] + [(name, PYARROW_TYPES[t]) for name, t in SCOPE.names.items()]
)


@pytest.fixture(
    scope="module",
    params=["duckdb", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def engine(request: pytest.FixtureRequest) -> Iterator[BaseBackend]:
    """An Ibis connection: in-memory DuckDB or SQLite, or the test PostgreSQL database."""
    if request.param == "duckdb":
        connection = ibis.duckdb.connect()
    elif request.param == "sqlite":
        connection = ibis.sqlite.connect()
    else:
        url = make_url(request.getfixturevalue("postgres_database"))
        connection = ibis.postgres.connect(
            host=url.host,
            port=url.port,
            user=url.username,
            password=url.password,
            database=url.database,
        )
    yield connection
    # The PostgreSQL database is the suite's shared store: leave no scratch table in it.
    for scratch in ("condition_rows", "condition_counts"):
        connection.drop_table(scratch, force=True)
    connection.disconnect()


@given(conditions)
def test_canonical_text_parses_back_to_the_same_condition(condition: n.Condition) -> None:
    assert parse_condition(to_text(condition)) == condition


@given(conditions)
def test_generated_conditions_are_well_typed(condition: n.Condition) -> None:
    check_condition(condition, SCOPE, Source("<generated>", to_text(condition)))


@settings(max_examples=150, deadline=None)
@given(condition=conditions, table_rows=st.lists(rows, min_size=1, max_size=6))
def test_compiled_query_agrees_with_python_including_missing_values(
    engine: BaseBackend, condition: n.Condition, table_rows: list[dict[str, Any]]
) -> None:
    records = [{"row": i, **row} for i, row in enumerate(table_rows)]
    table = engine.create_table(
        "condition_rows", pa.Table.from_pylist(records, schema=ARROW_SCHEMA), overwrite=True
    )
    columns = {name: table[name] for name in SCOPE.names}
    query = table.select("row", result=compile_condition(condition, columns)).order_by("row")
    from_engine = [r["result"] for r in engine.to_pyarrow(query).to_pylist()]
    expected = [evaluate(condition, row) for row in table_rows]
    assert [None if r is None else bool(r) for r in from_engine] == expected


@settings(max_examples=200)
@given(conditions, st.lists(rows, min_size=1, max_size=8))
def test_one_compiled_condition_serves_every_row_alike(
    condition: n.Condition, table_rows: list[dict[str, Any]]
) -> None:
    # Compiled once and reused, it answers each row as a condition compiled for that row alone.
    predicate = compile_predicate(condition)
    for row in table_rows:
        assert predicate(row, no_events) is compile_predicate(condition)(row, no_events)
        assert predicate(row, no_events) is evaluate(condition, row)


def test_event_counts_compile_from_given_columns(engine: BaseBackend) -> None:
    condition = parse_condition("did(demo_request) or count(page_view, within=7d) >= 2")
    demo, views = n.event_queries(condition)
    records: list[dict[str, int | None]] = [
        {"row": 0, "demo": 1, "views": 0},
        {"row": 1, "demo": 0, "views": 2},
        {"row": 2, "demo": None, "views": 1},  # no matching events: a left join gives NULL
    ]
    table = engine.create_table("condition_counts", pa.Table.from_pylist(records), overwrite=True)
    compiled = compile_condition(condition, {}, {demo: table.demo, views: table.views})
    query = table.select("row", result=compiled).order_by("row")
    results = engine.to_pyarrow(query).to_pylist()
    counts = [{demo: r["demo"] or 0, views: r["views"] or 0} for r in records]
    expected = [evaluate(condition, {}, c.__getitem__) for c in counts]
    assert [bool(r["result"]) for r in results] == expected == [True, True, False]


def test_compiling_needs_a_column_for_every_name() -> None:
    table = ibis.table({"title": "string"}, name="leads")
    with pytest.raises(ValueError, match="no column given for 'seniority'"):
        compile_condition(parse_condition("seniority = 'vp'"), {"title": table.title})
