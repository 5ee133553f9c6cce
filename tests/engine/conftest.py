"""Every engine on the same small synthetic England.

``engine`` (ids ``duckdb`` and ``spark``) is an opened engine: DuckDB on the
shared ``synthetic_store`` of ``tests/conftest.py``, Spark on a folder store
built by ingesting the same files with the Spark engine, so that the Spark
ingest is exercised too. ``backend`` gives each engine's kind and session, for
tests that write stores of their own. ``duck`` is the DuckDB engine the Spark
results are compared with.

One SparkSession (local mode, two cores, UTC, tuned for small data) serves the
whole test session; it is started only when a Spark test runs. Spark tests are
marked ``spark`` and skipped only where Java is absent (CI has Java 17, so they
run there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from matequity import engine as engines
from matequity.ingest.load import ingest

from .scenario import Run, make_inputs, run_history
from .stores import KINDS, Backend


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The test session's one SparkSession (local[2], UTC, few shuffle
    partitions, no UI or progress bars, errors only in the log), with its
    warehouse (catalog stores) in a temporary folder."""
    from pyspark.sql import SparkSession

    warehouse = tmp_path_factory.mktemp("spark-warehouse")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("matequity-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "2")
        # small data: planning and code generation cost more than they save
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def synthetic_files(synthetic: dict[str, Path]) -> list[Path]:
    """The files ``synthetic_store`` was loaded from, in the same order."""
    return [synthetic["organisations"], synthetic["imd_lookup"], synthetic["births"]]


@pytest.fixture(scope="session")
def spark_synthetic_store(
    spark: Any, synthetic_files: list[Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The synthetic England ingested with the Spark engine into a folder store."""
    folder = tmp_path_factory.mktemp("spark-store") / "store"
    ingest(folder, synthetic_files, kind="spark", session=spark)
    return folder


@pytest.fixture(scope="session", params=KINDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    """An engine's kind and session, for tests that write stores of their own."""
    kind = request.param
    return Backend(kind, request.getfixturevalue("spark") if kind == "spark" else None)


@pytest.fixture(scope="session")
def synthetic_location(request: pytest.FixtureRequest, backend: Backend) -> Path:
    """Where ``backend``'s synthetic England is stored."""
    name = "synthetic_store" if backend.kind == "duckdb" else "spark_synthetic_store"
    return request.getfixturevalue(name)


@pytest.fixture(scope="session")
def engine(backend: Backend, synthetic_location: Path) -> Iterator[engines.Engine]:
    """The synthetic England, opened on each engine."""
    with backend.open(synthetic_location) as eng:
        yield eng


@pytest.fixture(scope="session")
def duck(synthetic_store: Path) -> Iterator[engines.Engine]:
    """The DuckDB engine on the synthetic England: what every engine must match."""
    with engines.open("duckdb", synthetic_store) as eng:
        yield eng


@pytest.fixture(scope="session")
def ingest_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The files of the ingest cases, shared by the engines (a store records
    the paths it loaded)."""
    return make_inputs(tmp_path_factory.mktemp("ingest-inputs"))


@pytest.fixture(scope="session")
def history(ingest_inputs, tmp_path_factory) -> Callable[[Backend], Run]:
    """A store's history through the ingest cases on an engine (see
    :mod:`.scenario`), run once per engine and kept."""
    done: dict[str, Run] = {}

    def get(backend: Backend) -> Run:
        if backend.name not in done:
            folder = tmp_path_factory.mktemp(backend.name)
            done[backend.name] = run_history(backend, folder, ingest_inputs)
        return done[backend.name]

    return get
