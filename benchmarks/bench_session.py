"""Logins per 10,000 calls over 16 threads, and the client's overhead per call.

Prints ratios measured in one run: logins against the floor (one per token lifetime
crossed), and the time of ``session.get_json`` against a bare ``requests.Session`` call
on the same sandbox.
"""

from __future__ import annotations

import math
import threading
import time

import requests

import cargamos_explore as cx

from _common import USER, best_of, sandbox_process, session_options, stats

LIFETIME, MARGIN, THREADS, CALLS = 4.0, 0.1, 16, 10_000


def logins_per_10k(url: str) -> None:
    session = cx.Session(url, cache=False, renew_margin=MARGIN, **session_options())
    per_thread = CALLS // THREADS
    failures: list[BaseException] = []

    def worker() -> None:
        for _ in range(per_thread):
            try:
                session.get_json("/v1/webhook")
            except cx.CargamosError as err:
                failures.append(err)

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    user = stats(url)["users"][USER]
    floor = math.ceil(elapsed / LIFETIME)  # one login per token lifetime
    with_margin = math.ceil(elapsed / (LIFETIME - MARGIN))  # renewing MARGIN s early
    print(f"{THREADS} threads x {per_thread} calls in {elapsed:.1f} s "
          f"(token lifetime {LIFETIME:.0f} s, renewal margin {MARGIN} s)")
    print(f"  failed calls: {len(failures)}; token refusals: {stats(url)['rejected_tokens']}")
    print(f"  logins seen by the server: {user['logins_ok']} per {CALLS:,} calls; floor "
          f"{floor} (one per {LIFETIME:.0f} s lifetime), {with_margin} when renewing "
          f"{MARGIN} s early -> {user['logins_ok'] / floor:.2f}x the floor")
    session.close()


def overhead(url: str) -> None:
    session = cx.Session(url, cache=False, **session_options())
    token = session.login().value
    bare = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}

    def with_bare() -> None:
        for _ in range(300):
            bare.get(url + "/v1/webhook", headers=headers, timeout=10).json()

    def with_session() -> None:
        for _ in range(300):
            session.get_json("/v1/webhook")

    bare_s, ours_s = best_of(5, with_bare), best_of(5, with_session)
    print(f"per call: bare requests {bare_s / 300 * 1e3:.2f} ms, "
          f"cx.Session {ours_s / 300 * 1e3:.2f} ms -> overhead ratio {ours_s / bare_s:.2f}x")
    session.close()


if __name__ == "__main__":
    with sandbox_process("--size", "100", "--token-lifetime", str(LIFETIME)) as base:
        logins_per_10k(base)
        overhead(base)
