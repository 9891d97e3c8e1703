"""The dashboard's charts in headless Chromium, drawn by its own ES module and style sheet
from the state the kernel sends: the map's points and the bars' labels stay where a person
can see them, whatever the selection."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import cargamos_explore as cx
from cargamos_explore.decoding import events_frame, shipments_frame
from cargamos_explore.notebook.explore import widget
from cargamos_explore.sandbox.data import generate
from cargamos_explore.sandbox.render import render_rows

from . import test_browser
from .conftest import ANCHOR
from .test_browser import CHROMIUM_ARGS

playwright_api = test_browser.playwright_api

pytestmark = pytest.mark.browser
chromium = test_browser.chromium

MODULE = Path(widget.__file__).parent / "explore.js"
STYLE = MODULE.with_suffix(".css")
# A model that answers `get` from the widget's synced state and ignores everything else:
# enough for the module to draw what the kernel computed.
PAGE = """<!doctype html><style>STYLE</style><body><div id="root"></div><script type="module">
const state = STATE;
const model = { get: (name) => state[name], set() {}, save_changes() {}, on() {}, off() {},
  send() {} };
const url = URL.createObjectURL(new Blob([SOURCE], { type: "text/javascript" }));
const module = await import(url);
module.default.render({ model, el: document.getElementById("root") });
document.body.dataset.drawn = "yes";
</script></body>"""


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    records = render_rows(generate(400, seed=5, anchor=ANCHOR, prefix="CG1"), np.arange(400))
    return shipments_frame(records), events_frame(records)


def drawn(chromium_path: str, dash: Any, script: str) -> list[dict[str, Any]]:
    """``script`` (a function of the dashboard's element) run on the page that draws
    ``dash``'s state, once its charts are laid out."""
    state = {name: getattr(dash, name) for name in dash.keys if not name.startswith("_")}
    page_html = PAGE.replace("STYLE", STYLE.read_text()).replace(
        "STATE", json.dumps(state, default=str)).replace(
        "SOURCE", json.dumps(MODULE.read_text()))
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.route("**/*", lambda route: route.abort())  # nothing beyond the page itself
        page.set_content(page_html)
        playwright_api.expect(page.locator("body[data-drawn]")).to_have_count(1)
        # Charts measure their text once laid out: ask two frames later.
        found: list[dict[str, Any]] = page.locator("#root").evaluate(
            f"root => new Promise((done) => requestAnimationFrame(() =>"
            f" requestAnimationFrame(() => done(({script})(root)))))")
        browser.close()
    return found


def points_drawn(chromium_path: str, dash: Any) -> list[dict[str, Any]]:
    """The centres of the map's points, in the map's own coordinates, with its size."""
    return drawn(chromium_path, dash, """root => [...root.querySelectorAll(".cx-map circle")]
        .map((n) => ({x: +n.getAttribute("cx"), y: +n.getAttribute("cy"),
          width: +n.ownerSVGElement.getAttribute("width"),
          height: +n.ownerSVGElement.getAttribute("height")}))""")


def test_a_map_of_one_delivered_cell_draws_it_in_the_middle_not_in_a_corner(
        chromium: str, frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Filtered to one delivery (one alcaldía, one week), the map showed its only point in
    its top-left corner, under the alcaldía's name: the map's extent was empty."""
    shipments, events = frames
    delivered = shipments[shipments["state"] == "DELIVERED"]
    dash = cx.explore(delivered.head(1), events=events)
    assert len(dash.charts["map"]) == 1
    [point] = points_drawn(chromium, dash)
    assert point["x"] == pytest.approx(point["width"] / 2, abs=1)
    assert point["y"] == pytest.approx(point["height"] / 2, abs=1)


def test_a_map_of_one_street_keeps_its_points_apart_and_inside(
        chromium: str, frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Points along one line of latitude (no height to the extent) stay inside the map,
    centred on its height, and still spread along its width."""
    shipments, events = frames
    delivered = shipments[shipments["state"] == "DELIVERED"].head(40).copy()
    delivered["lat"] = delivered["lat"].iloc[0]
    dash = cx.explore(delivered, events=events)
    points = points_drawn(chromium, dash)
    assert len({p["x"] for p in points}) > 1
    for p in points:
        assert 0 < p["x"] < p["width"] and p["y"] == pytest.approx(p["height"] / 2, abs=1)


def test_a_bar_chart_of_one_wide_name_shows_the_whole_name(
        chromium: str, frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Filtered to Cuauhtémoc, the by-alcaldía chart cut the first letter of its only label:
    the labels' room is estimated from their length, and its letters are wide."""
    shipments, events = frames
    dash = cx.explore(shipments[shipments["alcaldia"] == "Cuauhtémoc"], events=events)
    labels = drawn(chromium, dash, """root => [...root.querySelectorAll(".cx-bar")].map((g) => {
        const text = g.querySelector("text").getBoundingClientRect();
        const chart = g.ownerSVGElement.getBoundingClientRect();
        return {name: g.dataset.key, left: text.left - chart.left,
                right: chart.right - text.right}; })""")
    assert "Cuauhtémoc" in {label["name"] for label in labels}
    for label in labels:
        assert label["left"] >= 0 and label["right"] >= 0, label


def test_the_map_says_what_a_point_is_and_the_rate_its_colour_is_against(
        chromium: str, frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """The map's caption named neither what a point counts nor which "overall" rate sets
    its colour: it is the on-time rate of the selection, the tile's."""
    shipments, events = frames
    dash = cx.explore(shipments, events=events)
    rate = cx.kpis(dash.selection).overall["on_time_rate"].iloc[0]
    [caption] = drawn(chromium, dash, """root => [
        root.querySelector('.cx-map figcaption').textContent]""")
    assert caption == ("Deliveries per cell of about 500 m (larger: more deliveries): blue at"
                       f" or above the on-time rate of {rate:.1%}, orange below")


def test_each_chart_is_one_tab_stop_and_the_arrow_keys_move_within_it(
        chromium: str, frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Every bar and map point was a stop of the Tab key: from the search box to "Download
    CSV" took about 450 presses on a month of deliveries."""
    shipments, events = frames
    dash = cx.explore(shipments, events=events)
    moves = drawn(chromium, dash, """root => {
        const stops = [...root.querySelectorAll(".cx-chart [tabindex]")]
          .filter((n) => n.tabIndex >= 0).map((n) => n.closest(".cx-chart").dataset.chart);
        const bars = [...root.querySelectorAll('[data-chart="alcaldia"] .cx-bar')];
        const key = (name) => document.activeElement.dispatchEvent(
          new KeyboardEvent("keydown", {key: name, bubbles: true}));
        const where = () => bars.indexOf(document.activeElement);
        bars[0].focus();
        key("ArrowDown"); key("ArrowDown"); const down = where();
        key("ArrowUp"); const up = where();
        key("End"); const end = where();
        const tabbable = bars.filter((n) => n.tabIndex >= 0).length;
        return [{stops, down, up, end, tabbable, count: bars.length}]; }""")
    [found] = moves
    assert found["stops"] == ["week", "alcaldia", "reason", "lead", "map"]
    assert (found["down"], found["up"], found["end"]) == (2, 1, found["count"] - 1)
    assert found["tabbable"] == 1
