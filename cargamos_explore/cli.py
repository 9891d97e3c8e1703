"""``cargamos-explore``: run the demo, serve the sandbox or the dashboard, export, record
notebooks' cassettes or replay notebooks and save their outputs."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from . import contract as c
from .analysis import kpis
from .cassettes import RecordOrder
from .cli_types import (
    anchor_day,
    days,
    latency,
    lifetime,
    minutes,
    natural,
    notebook_file,
    port,
    share,
    size,
    whole,
)
from .errors import CargamosError, RecordingError
from .start import login

#: Sandbox shipments per shipper when recording: enough for every notebook's tables and
#: plots, small enough to commit (a few hundred KiB per cassette).
RECORD_SIZE = 400
def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        return int(args.run(args))
    except CargamosError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


#: What --help says: plain text, as a terminal shows it (the module docstring is markup).
DESCRIPTION = ("Explore your Cargamos deliveries: run the demo, serve the sandbox, export "
               "shipments to Parquet, record notebooks' cassettes, or replay notebooks and "
               "save their outputs. In a clone, make lab opens the notebooks in JupyterLab.")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cargamos-explore", description=DESCRIPTION)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="pull shipments from the sandbox and print KPIs")
    demo.add_argument("--host", help="a real host instead of the embedded sandbox")
    demo.add_argument("--days", type=days, default=90, help="how far back to read (90)")
    demo.add_argument("--size", type=size, default=5_000, help="sandbox shipments per shipper")
    demo.set_defaults(run=run_demo)
    sandbox = commands.add_parser("sandbox", help="serve the sandbox until Ctrl-C")
    _sandbox_options(sandbox)
    sandbox.set_defaults(run=run_sandbox)
    _export_command(commands)
    record = commands.add_parser("record", help="run notebooks, recording their cassettes")
    _record_options(record)
    record.set_defaults(run=run_record)
    _dashboard_command(commands)
    replay = commands.add_parser(
        "run-notebooks", help="replay notebooks from their cassettes and save their outputs")
    replay.add_argument("notebooks", nargs="+", type=notebook_file, metavar="NOTEBOOK",
                        help="notebooks to run and write back in place")
    replay.set_defaults(run=run_notebooks)
    return parser


def _export_command(commands: Any) -> None:
    export = commands.add_parser(
        "export", help="stream shipments and events into a Parquet dataset (rerun to resume)")
    add = export.add_argument
    add("path", help="dataset folder, or a URI pyarrow knows (s3://bucket/prefix)")
    add("--start", required=True, help="first day (ISO date), e.g. 2026-01-01")
    add("--end", help="last day, included (default: today)")
    add("--state", action="append", dest="states", help="only this state (repeatable)")
    add("--host", help="a real host instead of the embedded sandbox (credentials as for "
                       "cx.login: environment, keyring, .netrc, prompt)")
    add("--size", type=size, default=5_000, help="sandbox shipments per shipper")
    add("--refresh-after", type=minutes, default=60.0,
        help="minutes after which a month that can still change is fetched again (60)")
    add("--endpoint-url", help="an S3-compatible store's URL for an s3:// PATH, e.g. "
                               "http://127.0.0.1:9000 (credentials: the usual AWS sources)")
    export.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    options = {} if args.host else {"sandbox_options": {"size": args.size}}
    with login(args.host, **options) as session:
        report = session.export(args.path, start=args.start, end=args.end, states=args.states,
                                progress=True, endpoint_url=args.endpoint_url,
                                refresh_after=timedelta(minutes=args.refresh_after))
    print(report)
    return 0


def _dashboard_command(commands: Any) -> None:
    dashboard = commands.add_parser(
        "dashboard", help="serve cx.explore() as a web page on 127.0.0.1 (Voilà)")
    source = dashboard.add_mutually_exclusive_group()
    source.add_argument("--cassette", help="replay this cassette (no network, no account)")
    source.add_argument("--dataset", help="an exported dataset's folder")
    source.add_argument("--host", help="a real host (credentials from the environment, "
                                       "keyring or .netrc); default: the local sandbox")
    dashboard.add_argument("--port", type=port, default=0, help="port (default: a free one)")
    dashboard.set_defaults(run=run_dashboard)


def run_dashboard(args: argparse.Namespace) -> int:
    from .notebook.explore.app import dashboard_code, voila  # Voilà: only when serving

    code = dashboard_code(cassette=args.cassette, dataset=args.dataset, host=args.host)
    with _exit_when_killed(), voila(code, args.port) as (url, server):
        print(f"Cargamos dashboard on {url} (Ctrl-C stops it)", flush=True)
        try:
            return server.wait()
        except KeyboardInterrupt:
            print("\nstopped")
    return 0


@contextlib.contextmanager
def _exit_when_killed() -> Iterator[None]:
    """Killed (``kill``, a closed terminal) rather than stopped with Ctrl-C: leave as from
    an exit, so that the Voilà server is stopped too instead of left serving on its port."""
    def leave(number: int, _frame: Any) -> None:
        raise SystemExit(128 + number)

    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    before = {name: signal.signal(getattr(signal, name), leave) for name in names}
    try:
        yield
    finally:
        for name, handler in before.items():
            signal.signal(getattr(signal, name), handler)


def _record_options(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("notebooks", nargs="+", type=notebook_file, metavar="NOTEBOOK", help="notebooks to run")
    add("--cassette", type=Path, help="the cassette to write (one notebook only)")
    add("--folder", type=Path, default=Path("cassettes"),
        help="else write FOLDER/<notebook name>.yaml (cassettes)")
    add("--host", help="record a real host with your usual credentials, not the sandbox")
    add("--anchor", type=anchor_day, metavar="YYYY-MM-DD",
        help="the day the recording stands at (sandbox: default today; host: now)")
    add("--seed", type=natural, default=0, help="sandbox data seed (0)")
    add("--size", type=size, default=RECORD_SIZE, help=f"sandbox shipments ({RECORD_SIZE})")


def _sandbox_options(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="interface to listen on (127.0.0.1)")
    add("--port", type=port, default=8040, help="port (8040; 0 picks a free one)")
    add("--seed", type=natural, default=0, help="data seed (0)")
    add("--size", type=size, default=5_000, help="shipments per shipper, up to 1,000,000")
    add("--token-lifetime", type=lifetime, default=c.TOKEN_LIFETIME_SECONDS, help="seconds")
    add("--latency", type=latency, default=0.0, help="seconds added to every /v1 request")
    add("--unavailable", type=share, default=0.0, help="share of requests answered 503")
    add("--rate-limited", type=share, default=0.0, help="share answered 429")
    add("--retry-after", type=retry_after, default=1, help="Retry-After seconds of a 429")
    add("--dropped", type=share, default=0.0, help="share of connections dropped")
    add("--html", type=share, default=0.0, help="share answered with an HTML 502 page")
    add("--drop-after", type=natural, default=None, help="drop every request after this many")


def run_demo(args: argparse.Namespace) -> int:
    options = {} if args.host else {"sandbox_options": {"size": args.size}}
    started = time.perf_counter()
    with login(args.host, **options) as session:
        print(f"Logged in to {session.host} as {session.username} "
              f"({session.credentials_source}).")
        df = session.shipments(start=_days_ago(args.days))
        seconds = time.perf_counter() - started
        print(f"\n{len(df):,} shipments created in the last {args.days} days "
              f"(read in {seconds:.1f} s, {session.logins} login).")
        print("\nBy state\n" + df["state"].value_counts().to_string())
        print("\n" + str(kpis(df)))
    return 0


def _days_ago(days: int) -> str:
    today = datetime.now(c.MEXICO_CITY).date()
    return (today - timedelta(days=days)).isoformat()


def run_record(args: argparse.Namespace) -> int:
    from .cassettes.recorder import midnight, record_notebook  # nbclient: only when recording

    if args.cassette and len(args.notebooks) > 1:
        raise SystemExit("error: --cassette names one notebook's cassette; use --folder")
    day = args.anchor or (None if args.host else datetime.now(c.MEXICO_CITY).date())
    anchor = midnight(day) if day else None
    sandbox = {} if args.host else {"seed": args.seed, "size": args.size}
    for notebook in args.notebooks:
        cassette = args.cassette or args.folder / f"{notebook.stem}.yaml"
        order = RecordOrder(str(cassette), anchor=anchor, **sandbox)
        with _kernel_deaths(notebook, "nothing was recorded"):
            print(record_notebook(notebook, order, host=args.host), flush=True)
    return 0


def run_notebooks(args: argparse.Namespace) -> int:
    from .cassettes.replays import save_replay  # nbclient: only when running notebooks

    for notebook in args.notebooks:
        started = time.perf_counter()
        with _kernel_deaths(notebook, "the saved notebook is left as it was"):
            save_replay(notebook)
        print(f"{notebook} ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0


@contextlib.contextmanager
def _kernel_deaths(notebook: Path, outcome: str) -> Iterator[None]:
    """A kernel that dies (out of memory, a crash in a C extension) as a RecordingError."""
    try:
        from nbclient.exceptions import DeadKernelError
    except ImportError:  # the notebook runner says how to install nbclient
        yield
        return
    try:
        yield
    except DeadKernelError as err:
        raise RecordingError(
            f"the kernel running {notebook} died ({err}); {outcome}. Run the notebook in "
            "Jupyter to see which cell kills it (memory use is the usual cause).") from err


def retry_after(text: str) -> int:
    """An argparse type: the seconds a 429 asks to wait, within the sandbox's bound."""
    from .sandbox.faults import MAX_RETRY_AFTER  # the sandbox: only when serving it

    return whole(0, MAX_RETRY_AFTER, "a whole number of seconds")(text)


def run_sandbox(args: argparse.Namespace) -> int:
    from .sandbox import DEMO_ORGANISATIONS, Faults, Sandbox  # Flask: only when serving

    try:
        faults = Faults(unavailable=args.unavailable, rate_limited=args.rate_limited,
                        dropped=args.dropped, html=args.html, retry_after=args.retry_after,
                        drop_after=args.drop_after)
    except ValueError as err:  # each share is checked by the parser; their sum is not
        raise SystemExit(f"error: {err}") from err
    sandbox = Sandbox(seed=args.seed, size=args.size, token_lifetime=args.token_lifetime,
                      latency=args.latency, faults=faults)
    server = sandbox.make_server(args.host, args.port)
    url = f"http://{args.host}:{server.server_port}"
    print(f"Cargamos sandbox on {url} (Ctrl-C stops it). Demo accounts:", flush=True)
    for org in DEMO_ORGANISATIONS:
        state = "" if org.enabled else "  (disabled: its key gets 403)"
        print(f"  {org.name}: key={org.key}{state}")
        for user, password in org.users.items():
            print(f"    {user} / {password}")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
