"""Export to object storage: moto's S3-compatible server on 127.0.0.1, started per test.

The server gets dummy credentials of its own (the suite's hermetic plugin has removed
every ``AWS_*`` variable of the developer's, and HOME, so ``~/.aws``, is an empty folder).
Object storage has no rename: these tests check that the manifest alone commits a month.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pytest
import requests
from moto.server import ThreadedMotoServer

import cargamos_explore as cx
from cargamos_explore.sandbox import Sandbox, serve

from .conftest import ANCHOR, JOHN, open_session, user_stats

WINDOW = {"start": "2026-01-01", "end": "2026-11-30"}
QUIET = {"progress": False, "concurrency": 1}
BUCKET = "analytics"
#: Dummy keys for the local server only; never anything the developer configured.
DUMMY = {"AWS_ACCESS_KEY_ID": "local-test-key", "AWS_SECRET_ACCESS_KEY": "local-test-secret",
         "AWS_REGION": "us-east-1"}


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The endpoint URL of a fresh S3-compatible server holding an empty bucket."""
    assert not [k for k in os.environ if k.startswith("AWS_") and "METADATA" not in k]
    for name, value in DUMMY.items():
        monkeypatch.setenv(name, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # moto keeps its buckets per process, not per server: start from an empty store.
    requests.post(f"{endpoint}/moto-api/reset", timeout=5).raise_for_status()
    client(endpoint).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=DUMMY["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=DUMMY["AWS_SECRET_ACCESS_KEY"])


def keys(endpoint: str) -> list[str]:
    """The bucket's objects; pyarrow leaves an empty "folder/" marker where it deleted a
    file, which no reader takes for data."""
    found = client(endpoint).list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return sorted(item["Key"] for item in found if not item["Key"].endswith("/"))


@pytest.fixture
def shop() -> Iterator[tuple[Sandbox, str]]:
    sandbox = Sandbox(size=3000, seed=3, anchor=ANCHOR)
    with serve(sandbox) as url:
        yield sandbox, url


def rows(connection: Any, table: str) -> pd.DataFrame:
    order = "tracking_id, sequence" if table == "events" else "tracking_id"
    return connection.sql(f"select * from {table} order by {order}").df()


def per_month(connection: Any) -> list[tuple[str, int]]:
    query = "select month, count(*) from shipments group by month order by month"
    return [(m, n) for m, n in connection.sql(query).fetchall()]


def test_an_export_to_s3_reads_back_as_the_local_export(shop: tuple[Sandbox, str],
                                                        s3: str, tmp_path: Path) -> None:
    _, url = shop
    with open_session(url) as session:
        local = session.export(tmp_path, **WINDOW, **QUIET)
        remote = session.export(f"s3://{BUCKET}/cargamos", **WINDOW, **QUIET, endpoint_url=s3)
    assert (remote.shipments, remote.events) == (local.shipments, local.events) > (0, 0)
    assert remote.path == f"s3://{BUCKET}/cargamos"
    stored = keys(s3)
    assert "cargamos/_manifest.json" in stored and len(stored) == 1 + 2 * 4
    assert not [k for k in stored if "/." in k or k.endswith(".partial")]  # nothing staged
    there = cx.open_dataset(f"s3://{BUCKET}/cargamos", endpoint_url=s3)
    here = cx.open_dataset(tmp_path)
    assert per_month(there) == per_month(here)
    loaded = "select count(*) from duckdb_extensions() where loaded and extension_name = 'httpfs'"
    assert there.sql(loaded).fetchall() == [(0,)]  # pyarrow read it, not DuckDB's httpfs
    for table in ("shipments", "events"):
        pd.testing.assert_frame_equal(rows(there, table), rows(here, table))


KILLER = """
import os, signal, sys
from cargamos_explore.export import writer
from tests.conftest import open_session

commit = writer.TableFile.commit

def commit_then_die(self):
    commit(self)
    if "shipments/month=2026-10/" in self.path:  # a month's first file is complete...
        os.kill(os.getpid(), signal.SIGKILL)     # ...and the process dies, no cleanup

writer.TableFile.commit = commit_then_die
with open_session(sys.argv[1]) as session:
    session.export(sys.argv[2], start="2026-01-01", end="2026-11-30", progress=False,
                   concurrency=1, endpoint_url=sys.argv[3])
"""
ROOT = Path(__file__).parent.parent


def killed_export(url: str, target: str, endpoint: str) -> int:
    """The exit code of an export run in its own process, killed mid-month."""
    done = subprocess.run([sys.executable, "-c", KILLER, url, target, endpoint], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    return done.returncode


def test_a_killed_export_to_s3_shows_only_committed_months_and_resumes(
        shop: tuple[Sandbox, str], s3: str, tmp_path: Path) -> None:
    _, url = shop
    target = f"s3://{BUCKET}/killed"
    assert killed_export(url, target, s3) == -signal.SIGKILL
    left = keys(s3)
    assert [k for k in left if "shipments/month=2026-10/" in k]  # written, not committed
    reader = cx.open_dataset(target, endpoint_url=s3)
    assert [m for m, _ in per_month(reader)] == ["2026-08", "2026-09"]
    with open_session(url) as session:
        session.export(tmp_path, **WINDOW, **QUIET)
        requests.post(url + "/_sandbox/stats/reset", timeout=5)
        report = session.export(target, **WINDOW, **QUIET, endpoint_url=s3)
    assert report.fetched == ("2026-10", "2026-11") and report.kept == ("2026-08", "2026-09")
    local = cx.open_dataset(tmp_path)
    pages = sum(-(-n // 500) for m, n in per_month(local) if m >= "2026-10")
    assert user_stats(url, JOHN)["requests"] == 2 + pages  # the probes, then missing pages
    assert len(keys(s3)) == 1 + 2 * 4  # the orphan is gone
    resumed = cx.open_dataset(target, endpoint_url=s3)
    assert per_month(resumed) == per_month(local)
    for table in ("shipments", "events"):
        pd.testing.assert_frame_equal(rows(resumed, table), rows(local, table))


def test_a_refresh_on_s3_replaces_the_month_through_the_manifest(
        shop: tuple[Sandbox, str], s3: str) -> None:
    _, url = shop
    target = f"s3://{BUCKET}/daily"
    settled = {"final_states": ("DELIVERED", "MISHAP"), **QUIET, "endpoint_url": s3}
    with open_session(url) as session:
        session.export(target, **WINDOW, **settled)
        before = set(keys(s3))
        assert session.export(target, **WINDOW, **settled).fetched == ()
        later = session.export(target, **WINDOW, **settled, refresh_after=pd.Timedelta(0))
    assert later.fetched == ("2026-11",)
    after = set(keys(s3))
    replaced = sorted(before - after)
    assert len(replaced) == 2 and all("month=2026-11/" in k for k in replaced)
    assert len(after) == len(before)  # new files for the month, the old ones deleted
    assert dict(per_month(cx.open_dataset(target, endpoint_url=s3)))["2026-11"] == \
        later.shipments


def test_the_command_line_exports_to_s3(s3: str, capsys: pytest.CaptureFixture[str]) -> None:
    from cargamos_explore.cli import main

    target = f"s3://{BUCKET}/cli"
    assert main(["export", target, "--start", "2026-10-01", "--size", "300",
                 "--endpoint-url", s3]) == 0
    assert f"written to {target}" in capsys.readouterr().out
    counts = per_month(cx.open_dataset(target, endpoint_url=s3))
    assert counts[0][0] == "2026-10" and all(n > 0 for _, n in counts)


def test_an_endpoint_is_only_for_s3_locations(tmp_path: Path) -> None:
    with pytest.raises(cx.ExportError, match="endpoint_url"):
        cx.open_dataset(tmp_path, endpoint_url="http://127.0.0.1:9")
    with pytest.raises(cx.ExportError, match="endpoint_url"):
        cx.open_dataset("s3://bucket/x", endpoint_url="127.0.0.1:9")
