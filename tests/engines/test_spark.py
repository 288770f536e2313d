"""Spark as an engine: what it needs installed, its settings, its session, its tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from leadflow.cli.app import app
from leadflow.config import load_settings
from leadflow.engines import connect, spark
from leadflow.engines.config import SparkConfig
from leadflow.errors import ConfigError, LeadflowError


def test_without_java_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))  # no bin/java in it
    with pytest.raises(LeadflowError, match="openjdk-17-jre-headless"):
        spark.check_runtime(SparkConfig())
    monkeypatch.delenv("JAVA_HOME")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LeadflowError, match="needs Java, and none was found"):
        spark.check_runtime(SparkConfig())


def test_an_old_java_is_refused_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    # A Java 11 as it answers -version (on stderr), for a machine that only has Java 17.
    java.write_text("#!/bin/sh\necho 'openjdk version \"11.0.22\" 2024-01-16' >&2\n")
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(LeadflowError, match=r"needs Java 17 or newer; .* is Java 11"):
        spark.check_runtime(SparkConfig())
    assert spark.java_major(str(java)) == 11


def test_spark_connect_needs_no_local_java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    spark.check_runtime(SparkConfig(remote="sc://spark.internal:15002"))


def test_without_pyspark_the_error_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['pyspark'] = None\n"
        "from leadflow.engines import spark\n"
        "from leadflow.engines.config import SparkConfig\n"
        "spark.check_runtime(SparkConfig())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode != 0
    assert "pip install -e '.[spark]'" in done.stderr


def test_settings_come_from_the_file_section_and_flat_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "leadflow.toml"
    config.write_text('[spark]\nmaster = "spark://head:7077"\nconf = {"spark.x" = "1"}\n')
    monkeypatch.setenv("LEADFLOW_CONFIG", str(config))
    assert load_settings().spark.master == "spark://head:7077"
    monkeypatch.setenv("LEADFLOW_SPARK_SHUFFLE_PARTITIONS", "12")
    monkeypatch.setenv("LEADFLOW_SPARK_MASTER", "local[3]")
    settings = load_settings().spark
    assert (settings.master, settings.shuffle_partitions) == ("local[3]", 12)
    assert settings.conf == {"spark.x": "1"} and settings.is_local
    monkeypatch.setenv("LEADFLOW_SPARK_REMOTE", "sc://connect:15002")
    with pytest.raises(ConfigError, match=r"master .* or remote .*, not both"):
        load_settings()


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ({"remote": "http://spark:15002"}, "sc://HOST:PORT"),
        ({"driver_memory": "lots"}, "such as 4g"),
        ({"log_level": "chatty"}, "one of ALL"),
        ({"shuffle_partitions": 0}, "greater than or equal to 1"),
    ],
)
def test_bad_settings_are_named(given: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        SparkConfig.model_validate(given)


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--engine", "spark", "--spark-remote", "http://x"], "--spark-remote: "),
        (["--engine", "spark", "--spark-master", "local", "--spark-remote", "sc://x"], "not both"),
        (["--engine", "duckdb", "--spark-master", "local[1]"], "go with --engine spark"),
        (["--engine", "spark", "--leads", "leads.parquet"], "go to --output DIR"),
        (["--engine", "db", "--activities", "a.parquet"], "need --engine duckdb or spark"),
        (["--engine", "duckdb", "--activities", "s3a://lake/a/"], "URIs need --engine spark"),
    ],
)
def test_the_score_command_refuses_bad_engine_options(
    args: list[str], problem: str, sqlite_url: str, tmp_path: Path
) -> None:
    model = tmp_path / "m.yaml"
    model.write_text((Path(__file__).parents[2] / "src/leadflow/scoring/starter.yaml").read_text())
    done = CliRunner().invoke(app, ["score", "--model", str(model), *args, "--db", sqlite_url])
    assert done.exit_code == 1, done.output
    assert problem in done.output


@pytest.mark.spark
def test_the_session_is_started_once_in_utc_and_reused(spark_config: SparkConfig) -> None:
    session = spark.session(spark_config)
    assert spark.session(SparkConfig(master="local[1]")) is session
    assert session.conf.get("spark.sql.session.timeZone") == "UTC"
    assert session.conf.get("spark.sql.shuffle.partitions") == "2"
    assert session.conf.get("spark.sql.parquet.outputTimestampType") == "TIMESTAMP_MICROS"


@pytest.mark.spark
def test_tables_are_views_dropped_on_disconnect(engine: Engine, spark_config: SparkConfig) -> None:
    target = spark.SparkConnection(spark_config)
    store = connect.operational(engine)
    try:
        leads = spark.copy_store_table(store, target, "leads")
    finally:
        store.disconnect()
    # An empty store table crosses with its columns.
    assert leads.count().execute() == 0
    assert {"id", "email", "attributes", "created_at"} <= set(leads.columns)
    views = {t.name for t in target.session.catalog.listTables()}
    target.disconnect()
    assert views - {t.name for t in target.session.catalog.listTables()}
    assert spark.session(spark_config) is target.session


@pytest.mark.spark
def test_exports_are_files_folders_and_checked(spark_config: SparkConfig, tmp_path: Path) -> None:
    folder = tmp_path / "parts"
    folder.mkdir()
    for part in range(2):
        pq.write_table(pa.table({"id": [part], "x": ["é"]}), folder / f"p{part}.parquet")
    (tmp_path / "c.csv").write_text('id,x,y\n7,"say ""hi""",z\n', encoding="utf-8")
    target = spark.SparkConnection(spark_config)
    table = spark.read_files(target, [str(folder), str(tmp_path / "c.csv")])
    rows = sorted(table.to_pyarrow().to_pylist(), key=lambda row: str(row["id"]))
    assert [(str(r["id"]), r["x"], r["y"]) for r in rows] == [
        ("0", "é", None),
        ("1", "é", None),
        ("7", 'say "hi"', "z"),
    ]
    with pytest.raises(ValueError, match="no such file"):
        spark.read_files(target, [str(tmp_path / "missing.parquet")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"no \.parquet or \.csv files in this folder"):
        spark.read_files(target, [str(tmp_path / "empty")])
    target.disconnect()
