"""Spark reads an exported dataset: the README's Spark SQL gives the KPIs of the frame.

Marked ``spark`` (``pytest -m spark`` runs it alone): it starts a JVM, so it needs Java 17
or later (``.ci/run`` installs Debian's when ``java`` is missing) and adds a few seconds.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import cargamos_explore as cx
from cargamos_explore.sandbox import Sandbox, serve

from .conftest import ANCHOR, open_session

pytestmark = [
    pytest.mark.spark,
    # pyspark 4.3 warns that its pandas 3 support is not complete; this test checks what
    # it needs of it (toPandas of counts, floats and booleans).
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
ROOT = Path(__file__).parent.parent
WINDOW = {"start": "2026-01-01", "end": "2026-11-30"}


def readme_spark_block() -> str:
    """The README's one Spark example (fenced as ```python spark)."""
    found = re.findall(r"```python spark\n(.*?)```", (ROOT / "README.md").read_text(),
                       flags=re.DOTALL)
    assert len(found) == 1
    return str(found[0])


@pytest.fixture
def spark_namespace(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Where the README's block runs; its Spark session is stopped afterwards."""
    # Spark would otherwise look up the machine's outward address before reading its
    # settings; everything it starts listens on 127.0.0.1.
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    if shutil.which("java") is None:
        pytest.fail("Spark needs a Java runtime: install openjdk-17-jre-headless "
                    "(.ci/run does when java is missing)")
    namespace: dict[str, Any] = {}
    yield namespace
    if "spark" in namespace:
        namespace["spark"].stop()


def test_spark_sql_over_the_export_gives_the_kpis_by_alcaldia(
        tmp_path: Path, spark_namespace: dict[str, Any]) -> None:
    with serve(Sandbox(size=3000, seed=3, anchor=ANCHOR)) as url, open_session(url) as session:
        session.export(tmp_path, **WINDOW, progress=False)
        frame = session.shipments(**WINDOW, progress=False)
    report = cx.kpis(frame)  # as of the read
    spark_namespace.update(folder=str(tmp_path), report=report)
    exec(compile(readme_spark_block(), "README.md", "exec"), spark_namespace)
    in_spark: pd.DataFrame = spark_namespace["by_alcaldia"]
    expected = report.by_alcaldia[list(in_spark.columns)]
    assert len(in_spark.columns) == 15 and len(in_spark) == len(expected) > 5
    assert list(in_spark.index) == [str(v) for v in expected.index]
    assert in_spark["shipments"].sum() == len(frame)
    for name in in_spark.columns:  # exactly: a rate is an integer count over another
        assert in_spark[name].tolist() == pytest.approx(expected[name].tolist(), rel=0,
                                                        abs=0, nan_ok=True), name
