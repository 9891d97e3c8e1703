"""Exporting sandbox shipments to object storage and to a local folder, side by side.

The S3-compatible store is moto's server in its own process on 127.0.0.1 (objects kept in
its memory); the sandbox runs in another process; each export runs in a process of its
own, so each peak RSS is its own. Prints rows per second and peak RSS of both exports and
the ratios object storage / local disk. Run it with the size as argument (default
1,000,000 shipments).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import boto3
import requests

import cargamos_explore as cx

from _common import sandbox_process, session_options

#: Dummy keys for the local server; the benchmark never uses the machine's AWS settings.
DUMMY = {"AWS_ACCESS_KEY_ID": "local-bench-key", "AWS_SECRET_ACCESS_KEY": "local-bench-secret",
         "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}


def child(url: str, path: str, endpoint: str) -> None:
    """The export itself, in this process; prints its figures as JSON."""
    session = cx.Session(url, cache=False, **session_options())
    session.login()
    options = {"endpoint_url": endpoint} if endpoint else {}
    report = session.export(path, start="2000-01-01", progress=False, **options)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    session.close()
    print(json.dumps({"shipments": report.shipments, "events": report.events,
                      "seconds": report.seconds, "peak_rss_mb": peak / 1024}))


@contextlib.contextmanager
def s3_process() -> Iterator[str]:
    """moto's server on a free port of 127.0.0.1, holding the bucket ``bench``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                "-p", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            with contextlib.suppress(requests.ConnectionError):
                requests.get(endpoint, timeout=1)
                break
            time.sleep(0.1)
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                     aws_access_key_id=DUMMY["AWS_ACCESS_KEY_ID"],
                     aws_secret_access_key=DUMMY["AWS_SECRET_ACCESS_KEY"]
                     ).create_bucket(Bucket="bench")
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def export(url: str, path: str, endpoint: str = "") -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | DUMMY
    done = subprocess.run([sys.executable, __file__, "--child", url, path, endpoint],
                          capture_output=True, text=True, check=True, env=env)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main(size: int) -> None:
    started = time.perf_counter()
    with sandbox_process("--size", str(size)) as url, tempfile.TemporaryDirectory() as folder, \
            s3_process() as endpoint:
        # The sandbox makes its history on first use: not the exporter's time.
        cx.Session(url, cache=False, **session_options()).shipments(max_rows=1, progress=False)
        results = {"local disk": export(url, folder),
                   "object storage": export(url, "s3://bench/cargamos", endpoint)}
    for where, r in results.items():
        print(f"{where:>14}: {r['shipments']:,.0f} shipments ({r['events']:,.0f} events) in "
              f"{r['seconds']:.1f} s, {r['shipments'] / r['seconds']:,.0f} shipments/s; "
              f"peak RSS {r['peak_rss_mb']:.0f} MB")
    local, remote = results["local disk"], results["object storage"]
    print(f"object storage / local disk: time {remote['seconds'] / local['seconds']:.2f}x, "
          f"peak RSS {remote['peak_rss_mb'] / local['peak_rss_mb']:.2f}x")
    print(f"(benchmark ran in {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:5])
    else:
        main(int(sys.argv[1]) if sys.argv[1:] else 1_000_000)
