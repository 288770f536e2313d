"""Report results are kept until the data changes (a new row, another active model) or age."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, update

from leadflow.analytics.cache import ReportCache, data_version
from leadflow.analytics.registry import ReportParameters, ReportResult, run_report
from leadflow.analytics.tables import store_tables
from leadflow.scoring.models import ModelVersion

from .conftest import add_rows, at


def _counting_runner(
    engine: Engine, name: str, parameters: ReportParameters
) -> tuple[list[int], Callable[[], ReportResult]]:
    runs: list[int] = []

    def run() -> ReportResult:
        runs.append(1)
        return run_report(name, store_tables(engine), parameters)

    return runs, run


def test_a_result_is_reused_until_a_row_is_added(world: Engine) -> None:
    cache = ReportCache()
    parameters = ReportParameters()
    runs, run = _counting_runner(world, "funnel", parameters)
    first = cache.result("funnel", parameters, data_version(world), run)
    again = cache.result("funnel", parameters, data_version(world), run)
    assert again is first and len(runs) == 1
    # Other parameters are another entry.
    other = ReportParameters(cycles="first")
    cache.result("funnel", other, data_version(world), run)
    assert len(runs) == 2
    before = data_version(world)
    add_rows(
        world,
        "stage_changes",
        [
            {
                "lead_id": 4,
                "cycle": 1,
                "from_stage": "lead",
                "to_stage": "mql",
                "changed_at": at(6),
                "actor_type": "rule",
            }
        ],
    )
    assert data_version(world) != before
    fresh = cache.result("funnel", parameters, data_version(world), run)
    assert len(runs) == 3
    assert fresh.rows[0]["count"] == first.rows[0]["count"] + 1


def test_activating_another_model_changes_the_version(world: Engine) -> None:
    before = data_version(world)
    add_rows(
        world,
        "scoring_model_versions",
        [
            {
                "version": "v2",
                "name": "m",
                "checksum": "y",
                "source": "",
                "is_active": False,
                "created_at": at(1),
            }
        ],
    )
    with world.begin() as connection:
        connection.execute(update(ModelVersion).values(is_active=ModelVersion.version == "v2"))
    assert data_version(world) != before


def test_entries_age_out_and_the_oldest_goes_first(world: Engine) -> None:
    parameters = ReportParameters()
    runs, run = _counting_runner(world, "sources", parameters)
    version = data_version(world)
    ageless = ReportCache(max_age=0)
    ageless.result("sources", parameters, version, run)
    ageless.result("sources", parameters, version, run)
    assert len(runs) == 2
    small = ReportCache(size=1)
    small.result("sources", parameters, version, run)
    small.result("sources", ReportParameters(by=("campaign",)), version, run)
    small.result("sources", parameters, version, run)
    assert len(runs) == 5
