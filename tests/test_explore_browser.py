"""cx.explore() in a real browser: JupyterLab and the Voilà page of `cargamos-explore
dashboard`, in headless Chromium with every request beyond 127.0.0.1 refused (so a CDN
asset would break the page, and the test).

Each page is checked against a dashboard built in this process over the same data: the
tiles are cx.kpis of the rows, a click on an alcaldía's bar leaves only that alcaldía in the
table and its chip undoes it, a row opens its events, the CSV holds exactly the selection,
and chips and bars work from the keyboard. JupyterLab opens 100,000 shipments and its saved
notebook stays small with no shipment row in it; Voilà serves a cassette and a dataset.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cargamos_explore as cx
from cargamos_explore.decoding import events_frame, shipments_frame
from cargamos_explore.notebook.explore.app import dashboard_code, voila
from cargamos_explore.sandbox import Sandbox, serve
from cargamos_explore.sandbox.data import generate
from cargamos_explore.sandbox.render import render_rows

from . import test_browser
from .conftest import ANCHOR, open_session
from .test_browser import (
    CHROMIUM_ARGS,
    WAIT,
    free_port,
    jupyter_environment,
    jupyterlab,
    playwright_api,
    run,
    save_notebook,
    write_json,
)

pytestmark = pytest.mark.browser
#: The fixtures of the widgets' browser test: Debian's Chromium, the screenshots folder.
chromium, screenshots = test_browser.chromium, test_browser.screenshots

ROOT = Path(__file__).parent.parent
LARGE = 100_000
#: When the 100,000 generated shipments hold: the day they were generated for.
AS_OF = pd.Timestamp(ANCHOR, unit="s", tz="America/Mexico_City").isoformat()
CASSETTE = ROOT / "cassettes" / "04_explore.yaml"
LOCAL = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).*")


def kpi_texts(rows: pd.DataFrame) -> list[str]:
    """The six tiles as cx.kpis gives them for ``rows``, written as the page writes them."""
    o = cx.kpis(rows).overall.iloc[0]

    def shown(value: Any, form: str) -> str:
        return "–" if pd.isna(value) else form.format(value)

    return [f"{int(o['shipments']):,}", f"{int(o['delivered']):,}",
            shown(o["on_time_rate"], "{:.1%}"),
            shown(o["first_attempt_rate"], "{:.1%}"), shown(o["mishap_rate"], "{:.1%}"),
            shown(o["dropoff_to_delivery_median_h"], "{:.1f} h")]


def count_text(ref: Any) -> str:
    """"N of M shipments", and what M counts: the frame, the dataset, or the days a
    session read."""
    scope = {"frame": "in the frame", "dataset": "in this dataset"}.get(ref.origin)
    if scope is None:  # a session read its 30 days and the 30 before them
        last = date.fromisoformat(ref.end)
        scope = f"read from the account for {last - timedelta(days=59)} to {last}"
    return f"{ref.matched:,} of {ref.total:,} shipments {scope}"


def check_the_map(root: Any, ref: Any) -> None:
    """One name per alcaldía on the map, none covering another, and each point titled with
    its alcaldía, deliveries and on-time rate."""
    expect = playwright_api.expect
    labels = root.locator(".cx-map .cx-map-label")
    expect(labels.first).to_be_visible()
    names = labels.evaluate_all("nodes => nodes.map((n) => n.textContent)")  # SVG: no innerText
    assert len(names) == len(set(names)) >= 8
    assert set(names) <= {label["alcaldia"] for label in ref.charts["map_labels"]}
    boxes = [labels.nth(i).bounding_box() for i in range(len(names))]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
                        and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])
    cell = ref.charts["map"][0]
    title = root.locator(".cx-map .cx-point title").first.text_content()
    assert title == f"{cell['alcaldia']}: {cell['n']} delivered, {cell['rate']:.1%} on time"


def open_page(chromium_path: str, driver: Any) -> tuple[Any, list[str]]:
    browser = driver.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    # Tall enough for the whole dashboard: its screenshot is then drawn in full.
    page = browser.new_page(viewport={"width": 1200, "height": 2600}, accept_downloads=True)
    refused: list[str] = []
    page.route(LOCAL, lambda route: (refused.append(route.request.url), route.abort()))
    page.set_default_timeout(WAIT)
    playwright_api.expect.set_options(timeout=WAIT)  # a busy 2-core machine
    return page, refused


def check_the_dashboard(page: Any, root: Any, ref: Any, shot: Path, *,
                        after_clicks: bool = False) -> None:
    """Every check a person's clicks can make, against ``ref`` given the same clicks; the
    screenshot ``shot`` is taken as the page opens, or ``after_clicks``."""
    expect = playwright_api.expect
    expect(root.locator(".cx-tile-value")).to_have_text(kpi_texts(ref.selection))
    expect(root.locator(".cx-count")).to_have_text(count_text(ref))
    check_the_map(root, ref)
    if not after_clicks:
        root.screenshot(path=shot)

    # A new date range: the tiles are cx.kpis of the rows in it.
    ref.start = (date.fromisoformat(ref.end) - timedelta(days=20)).isoformat()
    root.locator(".cx-start").fill(ref.start)
    expect(root.locator(".cx-count")).to_have_text(count_text(ref))
    expect(root.locator(".cx-tile-value")).to_have_text(kpi_texts(ref.selection))

    # A click on an alcaldía's bar: only that alcaldía in the table, and a chip.
    bar = root.locator('.cx-chart[data-chart="alcaldia"] .cx-bar').first
    place = bar.get_attribute("data-key")
    bar.click()
    ref.click("alcaldia", place)
    expect(root.locator(".cx-count")).to_have_text(count_text(ref))
    expect(root.locator('td[data-column="alcaldia"]')).to_have_text(
        [place] * min(ref.matched, ref.page_size))
    expect(root.locator('tbody td[data-column="tracking_id"]')).to_have_text(
        ref.page_rows["tracking_id"].tolist())
    expect(root.locator(".cx-tile-value")).to_have_text(kpi_texts(ref.selection))

    # The downloaded CSV holds exactly the selection.
    with page.expect_download() as download:
        root.locator(".cx-download-csv").click()
    csv = pd.read_csv(download.value.path(), dtype=str, keep_default_na=False)
    assert csv["tracking_id"].tolist() == ref.selection["tracking_id"].tolist()

    # A row opens its timeline, in order, failed attempts with their reasons.
    row = root.locator("tbody tr").first
    tracking_id = row.get_attribute("data-tracking-id")
    row.click()
    events = ref.source.timeline(tracking_id)
    expect(root.locator(".cx-timeline h4")).to_have_text(f"Timeline of {tracking_id}")
    expect(root.locator(".cx-timeline .cx-event-state")).to_have_text(
        events["state"].astype(str).tolist())

    # The chip undoes the click, from the keyboard; a bar is clicked by keyboard too.
    root.locator(".cx-chip").focus()
    page.keyboard.press("Enter")
    ref.clear()
    expect(root.locator(".cx-chip")).to_have_count(0)
    expect(root.locator(".cx-count")).to_have_text(count_text(ref))
    reason = root.locator('.cx-chart[data-chart="reason"] .cx-bar').first
    reason.focus()
    page.keyboard.press("Enter")
    ref.click("reason", reason.get_attribute("data-key"))
    expect(root.locator(".cx-count")).to_have_text(count_text(ref))
    # The page of rows follows the counts in a message of its own: wait for it.
    expect(root.locator('tbody td[data-column="tracking_id"]')).to_have_text(
        ref.page_rows["tracking_id"].tolist())
    root.locator("tbody tr").first.focus()
    page.keyboard.press("Enter")
    expect(root.locator(".cx-timeline h4")).to_have_text(
        f"Timeline of {ref.page_rows['tracking_id'].iloc[0]}")
    if after_clicks:
        root.screenshot(path=shot)


# --- JupyterLab, 100,000 shipments in memory ------------------------------------------------
@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """100,000 shipments and their events, as Parquet files the notebook reads."""
    folder = tmp_path_factory.mktemp("large")
    records = render_rows(generate(LARGE, seed=3, anchor=ANCHOR, prefix="CG1"),
                          np.arange(LARGE))
    paths = folder / "shipments.parquet", folder / "events.parquet"
    shipments_frame(records).to_parquet(paths[0])
    events_frame(records).to_parquet(paths[1])
    return paths


def lab_notebook(shipments: Path, events: Path) -> dict[str, Any]:
    cells = [
        "import pandas as pd\nimport cargamos_explore as cx\n"
        f"shipments = pd.read_parquet({str(shipments)!r})\n"
        f"events = pd.read_parquet({str(events)!r})",
        # Read back from files, the frames have no provenance: say when they hold.
        f"dash = cx.explore(shipments, events=events, as_of={AS_OF!r})\ndash",
        # The page's ids as a digest: the saved notebook must hold no shipment's id.
        "import hashlib, json\nprint('KERNEL', json.dumps({'matched': dash.matched, "
        "'selection': len(dash.selection), 'chips': dash.chips, 'page': hashlib.sha256("
        "' '.join(dash.page_rows['tracking_id']).encode()).hexdigest()}))",
    ]
    return {"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}",
                       "metadata": {}, "outputs": [], "source": source}
                      for i, source in enumerate(cells)],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory,
        large: tuple[Path, Path]) -> Iterator[tuple[str, Path]]:
    pytest.importorskip("jupyterlab")
    base = tmp_path_factory.mktemp("jupyter")
    work = base / "work"
    work.mkdir()
    path = work / "explore.ipynb"
    write_json(path, lab_notebook(*large))
    with jupyterlab(work, base) as (port, token):
        yield f"http://127.0.0.1:{port}/lab/tree/explore.ipynb?token={token}", path


def test_the_dashboard_in_jupyterlab_on_100000_shipments(
        chromium: str, lab: tuple[str, Path], large: tuple[Path, Path],
        screenshots: Path) -> None:
    ref = cx.explore(pd.read_parquet(large[0]), events=pd.read_parquet(large[1]),
                     as_of=AS_OF)
    with playwright_api.sync_playwright() as driver:
        page, refused = open_page(chromium, driver)
        page.goto(lab[0])
        page.wait_for_function(
            "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel"
            "?.status === 'idle'", timeout=WAIT)
        run(page, 0)
        started = time.monotonic()
        root = run(page, 1, wait=False).locator(".cx-explore")
        root.locator("tbody tr").first.wait_for()
        print(f"\nfirst paint of 100,000 shipments in JupyterLab: "
              f"{time.monotonic() - started:.2f} s")
        check_the_dashboard(page, root, ref, screenshots / "explore-jupyterlab.png")
        check_the_kernel_sees_the_clicks(page, root, ref)
        check_the_saved_notebook(page, lab[1], ref)
        assert refused == []


def check_the_kernel_sees_the_clicks(page: Any, root: Any, ref: Any) -> None:
    """dash.selection in the kernel is what the page shows after the clicks."""
    text = run(page, 2).locator(".jp-OutputArea").inner_text()
    found = re.search(r"KERNEL (\{.*\})", text)
    assert found is not None, text
    kernel = json.loads(found.group(1))
    shown = root.locator('tbody td[data-column="tracking_id"]').all_inner_texts()
    assert shown == ref.page_rows["tracking_id"].tolist()
    assert kernel["page"] == hashlib.sha256(" ".join(shown).encode()).hexdigest()
    assert kernel["matched"] == kernel["selection"] == ref.matched
    assert kernel["chips"] == ref.chips


def check_the_saved_notebook(page: Any, path: Path, ref: Any) -> None:
    saved = save_notebook(page, path)
    assert "application/vnd.jupyter.widget-state+json" in saved  # the state was saved
    print(f"saved notebook with the dashboard open on 100,000 shipments: "
          f"{len(saved.encode()):,} bytes")
    assert len(saved.encode()) < 1_000_000
    # The one shipment named is the one whose timeline is open: no row is in the file.
    assert set(re.findall(r"CG1\d{10}", saved)) <= {ref.page_rows["tracking_id"].iloc[0]}


# --- Voilà: a cassette and an exported dataset ------------------------------------------------
@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dataset") / "data"
    with serve(Sandbox(size=3000, seed=3, anchor=ANCHOR)) as url, open_session(url) as session:
        session.export(folder, start="2026-08-01", end="2026-11-30", progress=False)
    return folder


@pytest.fixture(params=["cassette", "dataset"])
def served(request: pytest.FixtureRequest, exported: Path,
           tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """Voilà serving the dashboard, and the same dashboard built here."""
    if request.param == "cassette":
        code = dashboard_code(cassette=str(CASSETTE))
        with cx.login(cassette=str(CASSETTE)) as session:
            ref = cx.explore(session)
    else:
        code, ref = dashboard_code(dataset=str(exported)), cx.explore(exported)
    env = jupyter_environment(tmp_path)
    with (tmp_path / "voila.log").open("w") as log, \
            voila(code, free_port(), env=env, stdout=log, stderr=subprocess.STDOUT) as (url, _):
        yield url, ref


def test_the_dashboard_page_served_by_voila(chromium: str, served: tuple[str, Any],
                                           screenshots: Path, tmp_path: Path,
                                           request: pytest.FixtureRequest) -> None:
    url, ref = served
    kind = request.node.callspec.params["served"]
    # The README shows the cassette's page.
    shot = screenshots / "explore-voila.png" if kind == "cassette" else tmp_path / "page.png"
    with playwright_api.sync_playwright() as driver:
        page, refused = open_page(chromium, driver)
        deadline = time.monotonic() + WAIT / 1000
        while True:  # Voilà may still be starting
            try:
                page.goto(url)
                break
            except playwright_api.Error:
                assert time.monotonic() < deadline, "Voilà did not start"
                time.sleep(0.5)
        root = page.locator(".cx-explore")
        root.locator("tbody tr").first.wait_for(timeout=2 * WAIT)
        check_the_dashboard(page, root, ref, shot, after_clicks=True)
        assert refused == []
