"""The book (``make book``): its pages from fabricated results, and the real book in headless Chromium.

The ledger tests run on fabricated ``results.json`` files (with claims, without claims, no results at
all). The browser test builds the book from the committed ``figures/``, serves it on a free localhost
port, opens the landing page and one notebook page in Debian's headless Chromium (through selenium and
Debian's chromedriver), saves screenshots under ``build/screenshots/`` (``GENENETS_UPDATE_SCREENSHOTS=1``
also copies them to ``docs/screenshots/``) and fails on a missing figure, a broken internal link or a
blank page. ``.ci/run`` installs Chromium when it is missing; outside CI a machine without it skips the
browser test, in CI it fails.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest

from genenets import book

REPO = Path(__file__).resolve().parents[1]
# one xdist worker for the whole module: the real and the fabricated book are built once
pytestmark = pytest.mark.xdist_group("book")
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1400,1000"]
# a 1x1 PNG
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a6bd67cf0000000049454e44ae426082")


# ------------------------------------------------------------------------------------------------
# fabricated figures/


def _notebook(path: Path, paper: str, title: str, group: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["genenets"] = {"paper": paper, "result": f"result of {title}", "params": group}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    code = nbformat.v4.new_code_cell("print('hello')", execution_count=1)
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n"),
                    nbformat.v4.new_output("display_data", data={"image/png": __import__("base64").b64encode(PNG)
                                                                 .decode(), "text/plain": "<Figure>"})]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nWhat it does."), code,
                nbformat.v4.new_markdown_cell("## Try this\n\n1. Change `seed`.")]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


CLAIMS = [
    {"id": "R1", "claim": "The deep model beats the shallow one", "paper_ref": "Fig. 1", "rule": "mean AUROC, margin 0.01",
     "verdict": "reproduced", "evidence": {"deep": 0.81, "shallow": 0.72}, "robust": True, "why": "", "seeds": 3,
     "budgets": [10, 40], "figure": "fig1.png", "paper_value": "0.83", "ours": "0.81"},
    {"id": "R2", "claim": "Ordering A > B | C holds", "paper_ref": "Table 2", "rule": "ordering of means",
     "verdict": "not reproduced", "evidence": {"A": 0.5}, "robust": False,
     "why": "resting on models that CNN: did not learn", "seeds": 1, "budgets": [10], "figure": None,
     "paper_value": "", "ours": "0.5"},
]


@pytest.fixture
def fake_figures(tmp_path):
    return _make_fake_figures(tmp_path / "figures")


def _make_fake_figures(figs: Path) -> Path:
    paper = "Somebody et al. FAKE: a fabricated paper for the book's tests"
    _notebook(figs / "01_fake_a" / "01_fake_a.ipynb", paper, "01 Fake A", "fake")
    (figs / "01_fake_a" / "fig1.png").write_bytes(PNG)
    (figs / "01_fake_a" / "results.json").write_text(json.dumps(
        {"notebook": "01_fake_a", "profile": "quick", "dataset": "simulated", "seed": 0, "runtime_s": 12.5,
         "metrics": {"auroc": {"deep": 0.81}}, "paper": {"auroc": {"deep": 0.83}}, "figures": ["fig1.png"],
         "claims": CLAIMS, "headline": {"AUROC deep": 0.81}}))
    _notebook(figs / "02_fake_b" / "02_fake_b.ipynb", paper, "02 Fake B", "fake")  # results without claims
    (figs / "02_fake_b" / "results.json").write_text(json.dumps(
        {"notebook": "02_fake_b", "profile": "smoke", "dataset": "real", "metrics": {"x": 1.0}, "figures": []}))
    _notebook(figs / "03_other__dataset=x" / "03_other.ipynb", "Another paper (2020)", "03 Other", "03_other")
    (figs / "03_other__dataset=x" / "results.json").write_text("{not json")  # a broken results.json: no claims
    (figs / ".02_fake_b.partial-123-abcd").mkdir()  # a run's staging folder: not a page
    (figs / ".02_fake_b.partial-123-abcd" / "02_fake_b.ipynb").write_text("{}")
    (figs / "02_fake_b.failed.json").write_text(json.dumps(
        {"status": "failed", "started": "2026-12-01T10:00:00", "error": "ValueError: bad\nmore", "cell": 3}))
    (figs / "robustness").mkdir()
    (figs / "robustness" / "01_fake_a__R1.csv").write_text(
        "claim,notebook,seed,budget_scale,verdict\nR1,01_fake_a,0,1,reproduced\nR1,01_fake_a,1,4,mixed\n")
    return figs


def test_ledger_pages_from_fabricated_results(fake_figures, tmp_path):
    info = book.write_sources(tmp_path / "src", figures_dir=fake_figures, repo=REPO)
    assert [nb["name"] for nb in info["notebooks"]] == ["01_fake_a", "02_fake_b", "03_other__dataset=x"]
    assert [r["id"] for r in info["ledger"]] == ["R1", "R2"]
    index = (tmp_path / "src" / "index.md").read_text()
    assert "**1 reproduced, 1 not reproduced, 0 mixed, 0 not testable here** (2 claims; 0 robust)" in index
    assert "The deep model beats the shallow one" in index and "Ordering A > B \\| C holds" in index
    assert "{ref}`R1 <claim-01_fake_a-r1>`" in index and "{doc}`01_fake_a <notebooks/01_fake_a>`" in index
    # R1 was reproduced in the notebook but the robustness grid disagrees: not robust, and the page says why
    assert "robustness grid's verdicts: reproduced x1, mixed x1" in index
    assert "no: resting on models that CNN: did not learn" in index
    # notebooks with and without claims
    assert re.search(r"Notebooks without recorded claims: .*02_fake_b.*03_other__dataset=x", index)
    # the repository's notebooks that have no executed copy here are listed as not run
    assert "Not run yet (no executed notebook under `figures/`): `00_data_overview`" in index
    paper = (tmp_path / "src" / "papers" / "fake.md").read_text()
    assert "(claim-01_fake_a-r1)=" in paper and "(claim-01_fake_a-r2)=" in paper
    assert "*Rule, declared before the results were read:* mean AUROC, margin 0.01" in paper
    assert "![fig1.png](../_figures/01_fake_a/fig1.png)" in paper
    assert (tmp_path / "src" / "_figures" / "01_fake_a" / "fig1.png").exists()
    other = (tmp_path / "src" / "papers" / "other.md").read_text()
    assert "No claims recorded yet" in other
    assert info["missing"] == []
    nb = nbformat.read(str(tmp_path / "src" / "notebooks" / "03_other__dataset-x.ipynb"), as_version=4)
    assert nb.cells[0].source.startswith("# 03 Other (dataset=x)")
    assert "../papers/other" in nb.cells[1].source
    assert "R1" in (tmp_path / "src" / "robustness.md").read_text()
    # a failed latest run is flagged where its previous results are shown
    assert "**failed in the latest run (2026-12-01T10:00:00): ValueError: bad**: this page shows" in index
    assert "The latest run of this notebook did not complete" in nbformat.read(
        str(tmp_path / "src" / "notebooks" / "02_fake_b.ipynb"), as_version=4).cells[1].source


def test_no_claims_anywhere_and_missing_figure(fake_figures, tmp_path):
    res = json.loads((fake_figures / "01_fake_a" / "results.json").read_text())
    del res["claims"]
    res["figures"] = ["fig1.png", "gone.png"]
    (fake_figures / "01_fake_a" / "results.json").write_text(json.dumps(res))
    info = book.write_sources(tmp_path / "src", figures_dir=fake_figures, repo=REPO)
    assert info["ledger"] == []
    assert info["missing"] == ["figures/01_fake_a/gone.png"]
    assert "No notebook has recorded claims yet" in (tmp_path / "src" / "index.md").read_text()


@pytest.fixture(scope="module")
def fake_book(tmp_path_factory):
    """The book of the fabricated figures/, built once: ``build/html/index.html``."""
    tmp = tmp_path_factory.mktemp("fake")
    return book.build(tmp / "book", figures_dir=_make_fake_figures(tmp / "figures"), repo=REPO)


def test_fabricated_book_builds_and_links_resolve(fake_book):
    index = fake_book
    html = index.read_text()
    assert "The deep model beats the shallow one" in html
    href = re.search(r'href="papers/fake\.html#(claim-01[-_]fake[-_]a-r1)"', html)
    assert href, "the ledger's claim id links to the claim on its paper page"
    assert f'id="{href.group(1)}"' in (index.parent / "papers" / "fake.html").read_text()
    assert (index.parent / "notebooks" / "03_other__dataset-x.html").exists()
    assert not (index.parent.parent / "warnings.log").read_text().strip(), "sphinx warned"


# ------------------------------------------------------------------------------------------------
# the real book in a real browser


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")  # every check sees the files as they are now
        super().end_headers()


def _need_chromium():
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver are not installed: .ci/run installs them (apt-get)")
        pytest.skip("chromium / chromedriver not installed (apt-get install chromium chromium-driver)")


@contextlib.contextmanager
def _serve(directory: Path):
    """Serve ``directory`` on a free localhost port; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def served_book(tmp_path_factory):
    _need_chromium()
    index = book.build(tmp_path_factory.mktemp("book"))
    with _serve(index.parent) as base:
        yield base, index.parent


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    _need_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 (localhost only)
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def _check_page(driver, base: str, root: Path, page: str, shot: str | None, min_images: int) -> None:
    driver.get(base + page)
    state = driver.execute_script("return document.readyState")
    assert state == "complete", f"{page}: not loaded ({state})"
    text = driver.execute_script("return document.querySelector('main, article, body').innerText")
    assert len(text.strip()) > 300, f"{page}: blank page ({len(text.strip())} characters of text)"
    images = driver.execute_script(
        "return Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])")
    broken = [src for src, complete, width in images if not (complete and width > 0)]
    assert not broken, f"{page}: missing figures {broken}"
    assert len(images) >= min_images, f"{page}: {len(images)} figures shown, expected at least {min_images}"
    links = driver.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    internal = sorted({u for u in links if u.startswith(base)})
    assert internal, f"{page}: no internal links"
    bad = []
    for url in internal:
        target, _, frag = url.partition("#")
        if _status(target) != 200:
            bad.append(url)
            continue
        path = urllib.parse.unquote(urllib.parse.urlparse(target).path).lstrip("/") or "index.html"
        file = root / path
        if file.is_dir():
            file = file / "index.html"
        if frag and file.suffix == ".html" and f'id="{urllib.parse.unquote(frag)}"' not in file.read_text():
            bad.append(url)
    assert not bad, f"{page}: broken internal links {bad}"
    if shot is None:
        return
    shots = REPO / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    # the page from its top to just past its first figure (or 2400 px)
    height = driver.execute_script(
        "const img = document.querySelector('main img, article img');"
        "const end = img ? img.getBoundingClientRect().bottom + window.scrollY + 300 : 2400;"
        "return Math.min(document.body.scrollHeight, Math.max(1000, Math.min(end, 6000)))")
    driver.set_window_size(1400, max(1000, height))
    assert driver.save_screenshot(str(shots / shot))
    driver.set_window_size(1400, 1000)
    from matplotlib.image import imread

    pixels = imread(str(shots / shot))
    assert pixels.std() > 0.02, f"{page}: the screenshot is one flat colour"
    if os.environ.get("GENENETS_UPDATE_SCREENSHOTS"):
        (REPO / "docs" / "screenshots").mkdir(exist_ok=True)
        shutil.copy2(shots / shot, REPO / "docs" / "screenshots" / shot)


def test_book_in_headless_chromium(served_book, browser):
    base, root = served_book
    _check_page(browser, base, root, "index.html", "book_landing.png", min_images=0)
    # one notebook page with figures: the first executed notebook whose page embeds images
    pages = sorted((root / "notebooks").glob("*.html"))
    assert pages, "no notebook pages"
    with_figures = [p for p in pages if "<img" in p.read_text()]
    assert with_figures, "no notebook page shows a figure"
    preferred = [p for p in with_figures if p.stem.startswith("08_")] or with_figures
    _check_page(browser, base, root, f"notebooks/{preferred[0].name}", "book_notebook.png", min_images=1)
    # every paper page: its figures are there
    for paper in sorted((root / "papers").glob("*.html")):
        browser.get(base + f"papers/{paper.name}")
        broken = browser.execute_script(
            "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
            ".map(i => i.getAttribute('src'))")
        assert not broken, f"papers/{paper.name}: missing figures {broken}"


def test_browser_check_fails_on_missing_figure_broken_link_blank_page(fake_book, tmp_path, browser):
    """The checks above can fail: a fabricated book with a figure removed, a dead link, an empty page."""
    root = tmp_path / "html"
    shutil.copytree(fake_book.parent, root)
    paper = root / "papers" / "fake.html"
    with _serve(root) as base:
        _check_page(browser, base, root, "papers/fake.html", None, min_images=1)  # intact: passes
        html = paper.read_text()
        paper.write_text(html.replace("</main>", '<a href="../nowhere.html">dead</a></main>', 1))
        with pytest.raises(AssertionError, match="broken internal links"):
            _check_page(browser, base, root, "papers/fake.html", None, min_images=1)
        paper.write_text(html.replace("</main>", '<a href="fake.html#no-such-anchor">dead</a></main>', 1))
        with pytest.raises(AssertionError, match="broken internal links"):
            _check_page(browser, base, root, "papers/fake.html", None, min_images=1)
        paper.write_text(html)
        for png in (root / "_images").glob("*.png"):
            png.unlink()
        with pytest.raises(AssertionError, match="missing figures"):
            _check_page(browser, base, root, "papers/fake.html", None, min_images=1)
        paper.write_text("<html><body><main></main></body></html>")
        with pytest.raises(AssertionError, match="blank page"):
            _check_page(browser, base, root, "papers/fake.html", None, min_images=0)
