"""Typed frames: decoding speed and memory against the naive baseline, and paging speed.

Prints ratios measured in one run:
1. bytes of a 100,000-shipment response -> typed frame, against
   ``pd.json_normalize(json.loads(body)["data"]["items"])`` plus the same dtype conversions
   (goal: at least 2x faster), and against the bare JSON parse alone (goal: at most 3x);
2. memory of that frame against the strong baseline: the baseline's converted columns
   alone, every one well typed but repeated text kept as plain Arrow strings (goal: at
   most 0.55); and against the whole baseline frame, leftovers of json_normalize included;
3. 50,000 shipments from a sandbox answering each request after 50 ms, read 4 pages at a
   time (goal: within 1.3x of pages / concurrency x latency).
"""

from __future__ import annotations

import gc
import json
import math
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import orjson
import pandas as pd
import requests

import cargamos_explore as cx
from cargamos_explore.decoding import pages as fastpath
from cargamos_explore.decoding.schema import CATEGORIES, SHIPMENT_COLUMNS
from cargamos_explore.queries import window as reading
from cargamos_explore.sandbox.data import generate
from cargamos_explore.sandbox.render import render_rows

from _common import best_of, sandbox_process, session_options

ROWS = 100_000


def response_bytes(rows: int) -> bytes:
    table = generate(rows, seed=1, anchor=1_795_000_000, prefix="CG1")
    items = render_rows(table, np.arange(rows))
    return orjson.dumps({"version": "1.0.0", "status": "OK", "timestamp": 0,
                         "data": {"items": items, "page": 1, "limit": rows, "total": rows}})


def baseline(body: bytes) -> pd.DataFrame:
    """What an analyst writes by hand: json_normalize, then convert the same columns."""
    df = pd.json_normalize(json.loads(body)["data"]["items"])
    for col in SHIPMENT_COLUMNS:
        source = ".".join(col.path)
        if source not in df:
            df[source] = None
        df[col.name] = _convert(df.pop(source), col.kind, col.name)
    return df


def _convert(values: pd.Series, kind: str, name: str) -> pd.Series:
    if kind == "datetime":
        parsed = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
        return parsed.dt.tz_convert("America/Mexico_City")
    if kind == "category":
        return values.astype(pd.CategoricalDtype(CATEGORIES[name]))
    # Labels become plain Arrow strings: the strong baseline types every column well but
    # does not dictionary-encode the repeated ones, which is what is being measured.
    dtype = {"string": "string[pyarrow]", "label": "string[pyarrow]", "int": "Int64",
             "float": "Float64", "bool": "boolean"}[kind]
    return values.astype(dtype)


def decoding(body: bytes) -> None:
    parse = best_of(3, lambda: json.loads(body))
    parse_orjson = best_of(3, lambda: orjson.loads(body))
    ours = best_of(3, lambda: fastpath.shipments_from_bytes(body))
    base = best_of(2, lambda: baseline(body))
    print(f"{ROWS:,} shipments, {len(body) / 1e6:.0f} MB of JSON:")
    print(f"  typed frame {ours:.2f} s; baseline {base:.2f} s -> {base / ours:.1f}x faster "
          "(goal >= 2x)")
    print(f"  bare json.loads {parse:.2f} s -> ours is {ours / parse:.2f}x the parse "
          f"(goal <= 3x); orjson.loads {parse_orjson:.2f} s -> {ours / parse_orjson:.2f}x")


def memory(body: bytes) -> None:
    ours = fastpath.shipments_from_bytes(body).memory_usage(deep=True, index=False).sum()
    gc.collect()
    frame = baseline(body)
    usage = frame.memory_usage(deep=True, index=False)
    whole = usage.sum()
    strong = usage[[col.name for col in SHIPMENT_COLUMNS]].sum()
    print(f"  memory: typed frame {ours / 1e6:.1f} MB; strong baseline (the same columns, "
          f"well typed) {strong / 1e6:.1f} MB -> {ours / strong:.2f} of it (goal <= 0.55)")
    left = sorted(set(frame.columns) - {col.name for col in SHIPMENT_COLUMNS})
    print(f"    the whole json_normalize frame {whole / 1e6:.0f} MB -> {ours / whole:.2f} of "
          f"it (it also keeps {', '.join(left)})")


def paging() -> None:
    latency, concurrency, rows = 0.05, 4, 50_000
    with sandbox_process("--size", str(rows), "--latency", str(latency)) as url:
        session = cx.Session(url, cache=False, **session_options())
        session.login()
        read = lambda: session.shipments(start="2000-01-01", progress=False)  # noqa: E731
        frame = read()  # the sandbox renders each page once; later reads measure the client
        pages = math.ceil(len(frame) / 500)
        ideal = pages / concurrency * latency
        wall = best_of(3, read)
        bare = best_of(3, lambda: _bare_fetch(session, url, pages, concurrency))
        session.close()
    print(f"{len(frame):,} shipments in {pages} pages, {latency * 1e3:.0f} ms latency, "
          f"{concurrency} at a time: {wall:.2f} s against the ideal {ideal:.2f} s "
          f"-> {wall / ideal:.2f}x (goal <= 1.3x)")
    print(f"  the same pages fetched with bare requests, no decoding: {bare:.2f} s "
          f"-> {bare / ideal:.2f}x of the ideal (this server's own floor)")


def _bare_fetch(session: cx.Session, url: str, pages: int, concurrency: int) -> None:
    token = session.login().value
    params = {**reading.list_params("2000-01-01", None, None), "limit": 500}
    with requests.Session() as http, ThreadPoolExecutor(concurrency) as pool:
        http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=concurrency))
        list(pool.map(lambda n: http.get(url + "/v1/shipments", params={**params, "page": n},
                                         headers={"Authorization": f"Bearer {token}"},
                                         timeout=30).content, range(1, pages + 1)))


if __name__ == "__main__":
    started = time.perf_counter()
    data = response_bytes(ROWS)
    decoding(data)
    memory(data)
    paging()
    print(f"(benchmark ran in {time.perf_counter() - started:.0f} s)")
