"""cx.explore() in Notebook 7, in headless Chromium with every request beyond 127.0.0.1
refused: the widget's script and styles come from the kernel, never a CDN.

The notebook opened is the shipped ``notebooks/04_explore.ipynb`` replaying its cassette,
as an analyst opens it with ``jupyter notebook``; the page is checked against the same
dashboard built in this process (tests/test_explore_browser.py has the checks).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

import cargamos_explore as cx

from . import test_browser
from .test_browser import WAIT, jupyter_server, playwright_api, run
from .test_explore_browser import CASSETTE, check_the_dashboard, open_page

#: The fixtures of the widgets' browser test: Debian's Chromium, the screenshots folder.
chromium, screenshots = test_browser.chromium, test_browser.screenshots

ROOT = Path(__file__).parent.parent
NOTEBOOK = ROOT / "notebooks" / "04_explore.ipynb"
#: A window of half a 2,000 px screen: Notebook 7's cell is then narrower than the table.
NARROW = 1000


def cell_index(path: Path, code: str) -> int:
    """The index, among all cells (as the page counts them), of the code cell holding
    ``code``."""
    cells = json.loads(path.read_text())["cells"]
    return next(i for i, found in enumerate(cells)
                if found["cell_type"] == "code" and code in "".join(found["source"]))


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Notebook 7 serving a copy of the notebooks and cassettes folders' explore files:
    (the notebook's URL, its file)."""
    pytest.importorskip("notebook", minversion="7")
    base = tmp_path_factory.mktemp("notebook7")
    work = base / "work"
    for source in (NOTEBOOK, CASSETTE):
        (work / source.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(source, work / source.parent.name / source.name)
    with jupyter_server("notebook", work, base) as (port, token):
        url = f"http://127.0.0.1:{port}/notebooks/notebooks/{NOTEBOOK.name}?token={token}"
        yield url, work / "notebooks" / NOTEBOOK.name


@pytest.mark.browser
def test_the_dashboard_in_notebook7(chromium: str, notebook7: tuple[str, Path],
                                    screenshots: Path, tmp_path: Path) -> None:
    url, path = notebook7
    with cx.login(cassette=str(CASSETTE)) as session:
        ref = cx.explore(session, end=session.today())
    with playwright_api.sync_playwright() as driver:
        page, refused = open_page(chromium, driver)
        page.set_viewport_size({"width": NARROW, "height": 2600})
        page.goto(url)
        page.wait_for_function(
            "() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel"
            "?.status === 'idle'", timeout=WAIT)
        assert page.evaluate("() => window.jupyterapp.name") == "Jupyter Notebook"
        run(page, cell_index(path, "cx.login(cassette="))
        run(page, cell_index(path, "cx.explore(session"))
        # Found by what it holds, not by its index: with the windowing of Notebook 7.2,
        # cells scrolled out of view leave the page.
        root = page.locator(".cx-explore")
        root.locator("tbody tr").first.wait_for()
        shown = page.locator(".jp-CodeCell", has=root)
        screenshot_from(page, shown, screenshots / "explore-notebook7.png")
        check_fits_the_cell(root)
        check_the_dashboard(page, root, ref, tmp_path / "dashboard.png")
        assert refused == []


def screenshot_from(page: Any, cell: Any, path: Path) -> None:
    """The page with ``cell`` scrolled to the top: Notebook 7's header, the cell's code and
    the dashboard's filters, tiles and first charts."""
    cell.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=path, clip={"x": 0, "y": 0, "width": NARROW, "height": 1400})


def check_fits_the_cell(root: Any) -> None:
    """In a cell narrower than the table (Notebook 7 in a window of 1,000 px), the table
    scrolls sideways on its own: the rest of the dashboard stays in place, and the last
    column can still be brought into view."""
    width = root.evaluate("el => el.clientWidth")
    assert root.locator(".cx-table").evaluate("el => el.scrollWidth") > width  # narrow enough
    assert root.evaluate("el => el.scrollWidth") <= width, "the dashboard overflows its cell"
    title = root.locator(".cx-title").bounding_box()
    last = root.locator(".cx-table th").last
    last.scroll_into_view_if_needed()
    assert root.locator(".cx-title").bounding_box()["x"] == title["x"]
    box, frame = last.bounding_box(), root.bounding_box()
    assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1


def test_the_floor_ci_runs_is_the_floor_the_pin_admits() -> None:
    pinned = re.findall(r'"notebook>=([\d.]+)"', (ROOT / "pyproject.toml").read_text())
    floor = re.search(r"NOTEBOOK_FLOOR = ([\d.]+)", (ROOT / "Makefile").read_text())
    assert floor is not None and len(pinned) == 1 and Version(pinned[0]) == Version(floor[1])
    assert "make test-notebook-floor" in (ROOT / ".ci" / "run").read_text()
