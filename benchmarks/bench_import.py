"""How long ``import cargamos_explore`` takes, beside ``import pandas, requests``.

Each import runs in a fresh process, alternating the two, several times; the medians are
compared, since this machine is shared and noisy. Goal: within 1.2x.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 9
BASELINE = "import pandas, requests"
OURS = "import cargamos_explore"


def timed(statement: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True)
    return time.perf_counter() - started


def main() -> None:
    timed(OURS)  # the first run warms the disk cache for both
    baseline, ours = [], []
    for _ in range(RUNS):
        baseline.append(timed(BASELINE))
        ours.append(timed(OURS))
    base, mine = statistics.median(baseline), statistics.median(ours)
    print(f"import pandas, requests:  median {base:.3f} s over {RUNS} fresh processes")
    print(f"import cargamos_explore:  median {mine:.3f} s")
    print(f"ratio: {mine / base:.2f}x (goal <= 1.2x)")


if __name__ == "__main__":
    main()
