"""How fast the sandbox makes its data: 100,000 and 1,000,000 shipments per shipper.

Generation is column-wise (numpy); JSON is made only for the rows a request asks for, so
the time to first page is printed too.
"""

from __future__ import annotations

import time

import numpy as np

from cargamos_explore.sandbox.data import generate
from cargamos_explore.sandbox.render import render_rows
from cargamos_explore.sandbox.server import today_anchor


def main() -> None:
    anchor = today_anchor()
    for size in (100_000, 1_000_000):
        started = time.perf_counter()
        table = generate(size, seed=0, anchor=anchor, prefix="CG1")
        generated = time.perf_counter() - started
        started = time.perf_counter()
        render_rows(table, np.arange(500))
        first_page = time.perf_counter() - started
        print(f"{size:>9,} shipments: generated in {generated:.2f} s; "
              f"a 500-row page rendered in {first_page * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
