"""The reliability suite: load, faults, bad input and secrets, against the sandbox.

Every test stops by itself. ``--reliability-scale`` makes runs longer and more numerous
(``make reliability``); the zeros are asserted at every scale, the rest is reported.
"""

from __future__ import annotations

import base64
import logging
import math
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import cargamos_explore as cx
from cargamos_explore.sandbox import Sandbox, serve

from .conftest import ANA, JOHN, TIENDA, open_session, stats, user_stats
from .reliability import Calls, Figures, bare_call, hammer, outcome

pytestmark = pytest.mark.reliability
WINDOW = {"start": "2026-06-01", "end": "2026-12-31"}


@pytest.fixture
def scale(request: pytest.FixtureRequest) -> int:
    return int(request.config.getoption("--reliability-scale"))


@pytest.mark.parametrize("threads", [16, 32])
def test_load_costs_one_login_per_renewal_interval(threads: int, scale: int,
                                                   figures: Figures) -> None:
    lifetime, margin = 2.0, 0.5
    with serve(Sandbox(size=50, token_lifetime=lifetime)) as base:
        session = open_session(base, renew_margin=margin)
        calls, elapsed = hammer(lambda: session.get_json("/v1/webhook"), threads,
                                3 * lifetime * scale)
        token = session.login().value
        bare, _ = hammer(bare_call(base + "/v1/webhook", token), threads, lifetime)
        john, server = user_stats(base, JOHN), stats(base)
    intervals = math.ceil(elapsed / (lifetime - margin))
    figures.add("Load", threads=threads, seconds=round(elapsed, 1), calls=len(calls.seconds),
                failures=len(calls.errors), logins=john["logins_ok"],
                renewal_intervals=intervals,
                logins_per_interval=round(john["logins_ok"] / intervals, 2),
                refused_tokens=server["rejected_tokens"],
                session_p50_ms=round(1000 * calls.percentile(50), 2),
                bare_p50_ms=round(1000 * bare.percentile(50), 2),
                session_p95_ms=round(1000 * calls.percentile(95), 2),
                bare_p95_ms=round(1000 * bare.percentile(95), 2))
    false_auth = [e for e in calls.errors if isinstance(e, cx.AuthenticationError
                                                          | cx.TokenRejectedError)]
    figures.total("false authentication errors (load and faults)", len(false_auth))
    figures.total("logins per renewal interval under load (worst)",
                  round(john["logins_ok"] / intervals, 2), keep="max")
    assert calls.errors == []
    assert john["logins_failed"] == 0 and john["logins_ok"] == session.logins
    # Single-flight renewal makes at most one login per interval; a call that queues past its
    # token's expiry may add a re-login, never dozens.
    assert john["logins_ok"] <= 2 * intervals + 1


def read_under(sandbox: Sandbox, base: str, reads: int, **options: Any) -> tuple[Calls, int]:
    """``reads`` full reads; returns what they did and how many came back silently short."""
    reference = open_session(base).shipments(**WINDOW, progress=False)
    calls = Calls()
    with open_session(base, **options) as session:
        frames: list[pd.DataFrame] = []
        for _ in range(reads):
            calls.run(lambda: frames.append(session.shipments(**WINDOW, progress=False)))
    short = sum(not frame["tracking_id"].equals(reference["tracking_id"]) for frame in frames)
    return calls, short


QUICK = cx.Retries(total=6, backoff_factor=0.05, backoff_max=0.5, max_retry_after=1)
FAULTS: dict[str, dict[str, Any]] = {
    "20% 503": {"unavailable": 0.2},
    "429 storm, Retry-After 1 s": {"rate_limited": 0.3, "retry_after": 1},
    "10% dropped connections": {"dropped": 0.1},
    "10% HTML 502 pages": {"html": 0.1},
    "everything at once": {"unavailable": 0.1, "rate_limited": 0.1, "dropped": 0.05,
                           "html": 0.05, "retry_after": 0},
}
#: What a read under faults may raise once its retries are spent: each says what happened.
EXPECTED = (cx.PartialResultError, cx.ServerError, cx.RateLimitedError, cx.TransportError,
            cx.UnexpectedResponseError)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_faults_give_the_whole_frame_or_the_right_error(fault: str, scale: int,
                                                        figures: Figures) -> None:
    sandbox = Sandbox(size=3000, seed=5)
    with serve(sandbox) as base:
        sandbox.set_faults(**FAULTS[fault])
        calls, short = read_under(sandbox, base, 3 * scale, retries=QUICK)
    record_faults(figures, fault, calls, short)


def record_faults(figures: Figures, fault: str, calls: Calls, short: int) -> None:
    wrong = [e for e in calls.errors if not isinstance(e, EXPECTED)]
    figures.total("false authentication errors (load and faults)", len(
        [e for e in calls.errors if isinstance(e, cx.AuthenticationError | cx.TokenRejectedError)]))
    figures.total("silent partial results", short)
    figures.add("Faults", fault=fault, reads=len(calls.seconds) + len(calls.errors),
                whole_frames=len(calls.seconds) - short,
                right_errors=len(calls.errors) - len(wrong),
                wrong_errors=len(wrong), silent_partial=short,
                errors=", ".join(sorted({type(e).__name__ for e in calls.errors})) or "-")
    assert short == 0 and wrong == []


def test_a_token_revoked_mid_read_costs_one_relogin(scale: int, figures: Figures) -> None:
    sandbox = Sandbox(size=3000, seed=5)
    grant = sandbox.accounts.grant
    seen = iter(range(10**9))

    def revoking(token: str | None) -> Any:
        if next(seen) % 20 == 2:  # now and then, the token is revoked under a read
            sandbox.revoke(JOHN)
        return grant(token)

    sandbox.accounts.grant = revoking  # type: ignore[method-assign]
    with serve(sandbox) as base:
        calls, short = read_under(sandbox, base, 2 * scale)
    record_faults(figures, "token revoked mid-read", calls, short)
    assert calls.errors == []


def test_a_server_restarted_mid_read(scale: int, figures: Figures) -> None:
    sandbox = Sandbox(size=3000, seed=5, latency=0.02)
    with restartable(sandbox) as (base, restart):
        timer = threading.Timer(0.1, restart)
        timer.start()
        calls, short = read_under(sandbox, base, 2 * scale,
                                  retries=cx.Retries(total=8, backoff_factor=0.2))
        timer.join()
    record_faults(figures, "server stopped 0.5 s mid-read", calls, short)


@contextmanager
def restartable(sandbox: Sandbox) -> Iterator[tuple[str, Callable[[], None]]]:
    """A sandbox whose server can be stopped for half a second and started again."""
    server = [sandbox.make_server()]
    port = server[0].server_port
    threads = [threading.Thread(target=server[0].serve_forever, kwargs={"poll_interval": 0.05})]
    threads[0].start()

    def restart() -> None:
        server[0].shutdown()
        server[0].server_close()
        threading.Event().wait(0.5)
        server[0] = sandbox.make_server(port=port)
        threads.append(threading.Thread(target=server[0].serve_forever,
                                        kwargs={"poll_interval": 0.05}))
        threads[-1].start()

    try:
        yield f"http://127.0.0.1:{port}", restart
    finally:
        server[0].shutdown()
        server[0].server_close()


def test_a_slow_server_past_the_timeout_says_so(figures: Figures) -> None:
    sandbox = Sandbox(size=100, seed=5)
    with serve(sandbox) as base:
        session = open_session(base, timeouts=cx.Timeouts(connect=1, read=0.2),
                               retries=cx.Retries(total=1, backoff_factor=0))
        session.login()
        sandbox.latency = 0.5
        calls = Calls()
        calls.run(lambda: session.shipments(**WINDOW, progress=False))
    record_faults(figures, "server slower than the read timeout", calls, 0)
    assert len(calls.errors) == 1 and isinstance(calls.errors[0], cx.TransportError)
    assert "Timeout" in str(calls.errors[0])


def test_a_full_session_leaves_no_secret_anywhere(tmp_path: Path, figures: Figures,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, the HTTP libraries' included
    sandbox, issued = Sandbox(size=600, seed=5, token_lifetime=1), []
    login = sandbox.accounts.login

    def recording(*args: Any) -> str | None:
        token = login(*args)
        issued.append(token)
        return token

    sandbox.accounts.login = recording  # type: ignore[method-assign]
    seen = exercise(sandbox, tmp_path / "cache.sqlite")
    seen += [record.getMessage() for record in caplog.records]
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    # Ana's password, unlike the docs' example "shipper", is no substring of the data.
    password = TIENDA.users[ANA]
    basic = base64.b64encode(f"{ANA}:{password}".encode()).decode()
    secrets = {password, TIENDA.key, basic, "Wr0ngPassw0rd", *filter(None, issued)}
    text = "\n".join(seen)
    hits = [s[:3] for s in secrets if s in text or any(s.encode() in b for b in files.values())]
    figures.add("Secrets", tokens_issued=len([t for t in issued if t]),
                texts_scanned=len(seen), files_scanned=", ".join(sorted(files)),
                secrets_found=len(hits))
    figures.total("secrets found (logs, reprs, errors, tracebacks, cache files)", len(hits))
    assert len([t for t in issued if t]) >= 3
    assert any(name.endswith(".sqlite") for name in files)
    assert hits == []


def exercise(sandbox: Sandbox, cache: Path) -> list[str]:
    """Login, renewal, revocation, faults, a wrong password and a cached rerun; returns every
    repr, message and traceback they produced."""
    seen: list[str] = []
    with serve(sandbox) as base:
        with open_session(base, ANA, cache=cache, renew_margin=0.2,
                          retries=cx.Retries(total=1, backoff_factor=0)) as session:
            frame = session.shipments(**WINDOW, progress=False)
            seen += [repr(session), repr(session.token), repr(frame.attrs)]
            threading.Event().wait(1.0)  # the token expires: a renewal
            seen.append(repr(session.get_json("/v1/webhook")))
            sandbox.revoke(ANA)  # the next call is refused: a re-login
            with session.cache_disabled():
                seen.append(repr(session.get_json("/v1/webhook")))
            sandbox.set_faults(html=1.0)
            seen += failure_texts(lambda: session.get_json("/v1/shipments/CG10000000001"))
            sandbox.set_faults(html=0.0, dropped=1.0)
            seen += failure_texts(lambda: session.get_json("/v1/shipments/CG10000000002"))
            sandbox.set_faults(dropped=0.0)
            seen.append(repr(session.shipments(**WINDOW, progress=False).attrs))
            seen.append(repr(session))
        seen += failure_texts(lambda: cx.login(base, key=TIENDA.key, username=ANA,
                                               password="Wr0ngPassw0rd", env={}, sources=()))
    return seen


def failure_texts(call: Callable[[], Any]) -> list[str]:
    with pytest.raises(cx.CargamosError) as caught:
        call()
    return [str(caught.value), repr(caught.value),
            "".join(traceback.format_exception(caught.value))]


def orders_sheet(rows: int) -> pd.DataFrame:
    """``rows`` orders that the sandbox accepts, each with its own barcode."""
    base = pd.read_csv(Path(__file__).parent / "fixtures" / "orders_sheet.csv",
                       dtype={"postal_code": str}).iloc[[0]]
    sheet = base.loc[base.index.repeat(rows)].reset_index(drop=True)
    sheet["shipment_tracking_id"] = [f"R-{i:05d}" for i in range(rows)]
    return sheet


def test_orders_under_faults_are_never_lost_or_duplicated(scale: int, figures: Figures) -> None:
    sandbox = Sandbox(size=10, seed=5)
    org = sandbox.accounts.organisation(TIENDA.key)
    assert org is not None
    with serve(sandbox) as base, open_session(base) as session:
        session.login()
        sandbox.set_faults(dropped=0.15, unavailable=0.15, retry_after=0)
        for attempt in range(3 * scale):
            sheet = orders_sheet(350)
            sheet["shipment_tracking_id"] += f"-{attempt}"
            try:
                results = session.create_orders(sheet, progress=False)
                outcome = pd.Series("created", index=results.index)
            except cx.CargamosError as err:
                results = getattr(err, "results", None)
                assert results is not None, f"{type(err).__name__} without per-row outcomes"
                outcome = results["outcome"].astype(str)
            record_orders(figures, sheet, results, outcome, sandbox.shipper(org)._created)


def record_orders(figures: Figures, sheet: pd.DataFrame, results: pd.DataFrame,
                  outcome: pd.Series, created: list[Any]) -> None:
    barcodes = [str(s.get("shipmentTrackingId")) for s in created]
    ours = sheet["shipment_tracking_id"]
    on_server = ours.map(barcodes.count)
    reported = outcome == "created"
    lost = int((reported & (on_server == 0)).sum() + (~reported & (outcome != "may exist")
                                                       & (on_server > 0)).sum())
    figures.add("Orders under 15% dropped connections and 15% 503s", rows=len(sheet),
                created=int(reported.sum()), may_exist=int((outcome == "may exist").sum()),
                never_sent=int((outcome == "never sent").sum()),
                duplicated=int((on_server > 1).sum()), lost_or_misreported=lost)
    figures.total("orders lost or duplicated", lost + int((on_server > 1).sum()))
    assert (on_server <= 1).all() and lost == 0
    assert results.loc[reported, "tracking_id"].notna().all()


class Truncating(BaseHTTPRequestHandler):
    """Logs anyone in, then cuts every other answer off halfway through."""

    def do_GET(self) -> None:
        if self.path.startswith("/v1/login"):
            body = b'{"version":"1.0.0","status":"OK","timestamp":1,"data":{"token":"t",' \
                   b'"expiresIn":"3600"}}'
        else:
            body = b'{"version":"1.0.0","status":"OK","data":{"items":[{"trackingId":"CG1"'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def truncating_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Truncating)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def bad_inputs(session: cx.Session, sandbox: Sandbox) -> dict[str, Callable[[], Any]]:
    sheet = orders_sheet(3)
    html = lambda: (sandbox.set_faults(html=1.0), session.get_json("/v1/webhook"))  # noqa: E731
    return {
        "empty sheet": lambda: session.validate_orders(sheet.iloc[:0]),
        "sheet without columns": lambda: session.validate_orders(pd.DataFrame()),
        "sheet with unknown and missing columns": lambda: session.validate_orders(
            sheet.drop(columns=["street"]).assign(colour="red")),
        "weight as text": lambda: session.validate_orders(sheet.assign(weight="heavy")),
        "weight of inf": lambda: session.validate_orders(sheet.assign(weight=float("inf"))),
        "a list instead of a sheet": lambda: session.validate_orders([1, 2]),  # type: ignore[arg-type]
        "10,000-row sheet": lambda: session.validate_orders(orders_sheet(10_000), progress=False),
        "start='garbage'": lambda: session.shipments(start="garbage"),
        "start=20260101": lambda: session.shipments(start=20260101),  # type: ignore[arg-type]
        "max_rows=-5": lambda: session.shipments(max_rows=-5),
        "states=['NOPE']": lambda: session.shipments(states=["NOPE"], progress=False),
        "shipment('../webhook')": lambda: session.shipment("../webhook"),
        "shipment('CG1?key=zz')": lambda: session.shipment("CG1?key=zz"),
        "get_json('@127.0.0.2:8099/v1/x')": lambda: session.get_json("@127.0.0.2:8099/v1/x"),
        "get_json('//example.com/x')": lambda: session.get_json("//example.com/x"),
        "an HTML 502 page instead of JSON": html,
    }


def test_bad_input_gets_a_clear_error(figures: Figures) -> None:
    sandbox = Sandbox(size=200, seed=5)
    with serve(sandbox) as base, open_session(base, retries=cx.Retries(total=0)) as session:
        for name, call in bad_inputs(session, sandbox).items():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                got = outcome(call)
            warned = "; ".join(f"{w.category.__name__}: {str(w.message)[:60]}" for w in caught)
            figures.add("Bad input", input=name, got=got + (f" ({warned})" if warned else ""))
            assert got.startswith(("ok", *[e for e in dir(cx) if e.endswith("Error")])), got
    with truncating_server() as base, open_session(base) as session:
        got = outcome(lambda: session.shipments(progress=False))
    figures.add("Bad input", input="a truncated JSON body", got=got)
    assert got.startswith("UnexpectedResponseError"), got
