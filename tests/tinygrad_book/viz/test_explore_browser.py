"""The explorer page in a real browser: Debian's chromium, headless, driven by Playwright.

No browser can be downloaded here, so Playwright is pointed at the system's
chromium. Without one (or without Playwright) these tests skip with the reason;
with ``TINYGRAD_BOOK_REQUIRE_BROWSER=1`` or ``CI=true`` (as ``.ci/run`` sets)
a missing browser is a failure instead, so CI cannot pass without running them.
Every page is opened from a ``file://`` URL; any console error, page error or
request other than the page itself fails the test.
"""
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

import tinygrad_book as tb
from tinygrad_book import engine, models, nn
from tinygrad_book.nn import functional as F
from tinygrad_book.viz import explore
from tinygrad_book.viz.graph import build

LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Written only when asked (TINYGRAD_BOOK_UPDATE_SCREENSHOT=1): the README's picture.
SCREENSHOT = Path(__file__).resolve().parents[3] / "examples" / "figures" / "explorer.png"


def _required():
    return os.environ.get("TINYGRAD_BOOK_REQUIRE_BROWSER") == "1" or \
        os.environ.get("CI", "").lower() == "true"


def _unavailable(reason):
    if _required():
        pytest.fail(f"browser tests are required here (CI) but cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One headless chromium (fresh profile) for the whole session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install playwright)")
    candidates = (os.environ.get("TINYGRAD_BOOK_CHROMIUM"), shutil.which("chromium"),
                  shutil.which("chromium-browser"), "/usr/bin/chromium")
    exe = next((p for p in candidates if p and os.path.exists(p)), None)
    if exe is None:
        _unavailable("no chromium found (apt-get install chromium)")
    if shutil.which("dot") is None:
        _unavailable("Graphviz's `dot` is not installed (CI installs it)")
    profile = tempfile.mkdtemp(prefix="tb-chromium-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=exe, headless=True, args=LAUNCH_ARGS,
            viewport={"width": 1280, "height": 820})
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


class Opened:
    """A page opened from a file, with every console error and request it made."""

    def __init__(self, browser, path, in_frame=False):
        self.url = Path(path).resolve().as_uri()
        self.page = browser.new_page()
        self.errors, self.requests = [], []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        start = time.perf_counter()
        self.page.goto(self.url)
        # The explorer itself, or the iframe a notebook shows it in.
        self.target = self.page.frames[1] if in_frame else self.page
        self.target.wait_for_function("window.tbGraph !== undefined")
        self.open_seconds = time.perf_counter() - start

    def js(self, expression):
        return self.target.evaluate(expression)

    def check_clean(self):
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.requests == [self.url], f"requests besides the page: {self.requests}"


def mlp():
    """The book's chapter 5 size: a 2-layer MLP on 4 inputs."""
    tb.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x = tb.Tensor(tb.randn(1, 4).data, name="x")
    loss = F.cross_entropy(model(x), tb.Tensor(np.array([1]), name="target"))
    return model, loss


def convnet():
    tb.manual_seed(0)
    model = models.SimpleConvNet()
    x = tb.Tensor(tb.rand(2, 1, 28, 28).data, name="x")
    loss = F.cross_entropy(model(x), tb.Tensor(np.arange(2), name="t"))
    return model, loss


def engine_order(loss, params):
    """Node ids of the ops in the order the engine processes them in a real backward."""
    op_vertex = build([loss], {id(p): n for n, p in params.items()}).op_vertex
    seen = []
    with engine.observe(lambda node, *grads: seen.append(f"n{op_vertex[node]}")):
        loss.backward(retain_graph=True)
    for p in params.values():
        p.grad = None
    return seen


@pytest.fixture(scope="module")
def pages(browser, tmp_path_factory):
    folder = tmp_path_factory.mktemp("explorer")
    result = {}
    for name, make in (("mlp", mlp), ("convnet", convnet)):
        model, loss = make()
        params = dict(model.named_parameters())
        start = time.perf_counter()
        path = explore(loss, params=params, title=f"{name}: watch backprop").save(
            folder / f"{name}.html")
        save_seconds = time.perf_counter() - start
        opened = Opened(browser, path)
        result[name] = dict(model=model, loss=loss, params=params, opened=opened,
                            save_seconds=save_seconds, order=engine_order(loss, params))
        # Seen with `pytest -s`: the issue asks for both under 2 s (never asserted).
        print(f"\nexplorer {name}: save {save_seconds:.2f} s, open {opened.open_seconds:.2f} s")
    yield result
    for entry in result.values():
        entry["opened"].page.close()


@pytest.fixture(scope="module")
def shared(browser, tmp_path_factory):
    """A weight used twice: its gradient arrives in two steps."""
    w = tb.Tensor([0.5, -1.0, 2.0], requires_grad=True, name="w")
    loss = (w.exp().sum() + (w * 3.0).sum()) * 0.1
    path = explore(loss).save(tmp_path_factory.mktemp("shared") / "shared.html")
    opened = Opened(browser, path)
    yield w, loss, opened
    opened.page.close()


def test_a_leaf_used_twice_shows_its_gradient_accumulating(shared):
    w, loss, page = shared
    badge = ("document.querySelector('.tb-view[data-view=full] .tb-badge') && "
             "document.querySelector('.tb-view[data-view=full] .tb-badge').textContent")
    wid = next(n["id"] for n in page.js("tbGraph.nodes()") if n["label"] == "w")
    seen = []
    while page.js("tbGraph.state().step < tbGraph.state().total"):
        page.js("tbGraph.step()")
        seen.append((page.js(badge), page.js(f"tbGraph.details('{wid}').grad")))
    badges = [b for b, _ in seen if b]
    assert badges[0] == "\u2207 1/2" and badges[-1] == "\u2207 2/2"
    (expected,) = tb.grad(loss, [w], retain_graph=True)
    np.testing.assert_allclose(seen[-1][1], expected.data, rtol=1e-6)
    first = next(g for b, g in seen if b == "\u2207 1/2")
    assert not np.allclose(first, expected.data)     # only one use had arrived
    page.check_clean()


@pytest.fixture(params=["mlp", "convnet"])
def case(request, pages):
    entry = pages[request.param]
    page = entry["opened"]
    page.js("tbGraph.reset(); tbGraph.setView('full')")
    yield entry
    page.check_clean()


def test_nodes_match_the_graph(case):
    page = case["opened"]
    expected = [dict(id=n["id"], kind=n["kind"], label=n["label"])
                for n in explore(case["loss"], params=case["params"]).nodes
                if n["kind"] in ("param", "input", "op", "tensor", "output")]
    assert page.js("tbGraph.nodes()") == expected
    drawn = page.js("[...document.querySelectorAll('.tb-view[data-view=full] [data-node-id]')]"
                    ".map(e => e.getAttribute('data-node-id'))")
    assert sorted(drawn) == sorted(n["id"] for n in expected)
    names = {n["label"] for n in expected if n["kind"] == "param"}
    assert names == set(case["params"])


def test_steps_visit_every_op_in_the_engines_order(case):
    page = case["opened"]
    total = page.js("tbGraph.state().total")
    assert total == len(case["order"])
    for k, op in enumerate(case["order"], start=1):
        state = page.js("tbGraph.step()")
        assert state == dict(step=k, total=total, current=op, visited=case["order"][:k])
        assert page.js(f"document.querySelector('.tb-view[data-view=full] "
                       f"[data-node-id=\"{op}\"]').classList.contains('tb-current')")
        assert page.js("document.getElementById('tb-counter').textContent") == \
            f"step {k} of {total}"
    assert page.js("tbGraph.step()")["step"] == total     # no step beyond the end


def test_back_undoes_a_step(case):
    page = case["opened"]
    leaf = next(n["id"] for n in page.js("tbGraph.nodes()") if n["kind"] == "param")
    page.js("tbGraph.step()")
    before = page.js(f"[tbGraph.state(), tbGraph.details('{leaf}')]")
    page.js("tbGraph.step(); tbGraph.step()")
    page.js("tbGraph.back(); tbGraph.back()")
    assert page.js(f"[tbGraph.state(), tbGraph.details('{leaf}')]") == before
    assert page.js("tbGraph.back()")["step"] == 0 and page.js("tbGraph.back()")["step"] == 0
    page.page.keyboard.press("ArrowRight")
    page.page.keyboard.press("ArrowRight")
    page.page.keyboard.press("ArrowLeft")
    assert page.js("tbGraph.state().step") == 1
    page.js("tbGraph.step(); tbGraph.reset()")
    assert page.js("tbGraph.state()") == dict(step=0, total=len(case["order"]), current=None,
                                              visited=[])


def test_the_panel_shows_each_parameters_gradient_from_grad(case):
    page = case["opened"]
    page.js("while (tbGraph.state().step < tbGraph.state().total) tbGraph.step()")
    ids = {n["label"]: n["id"] for n in page.js("tbGraph.nodes()") if n["kind"] == "param"}
    for name, p in case["params"].items():
        (expected,) = tb.grad(case["loss"], [p], retain_graph=True)
        shown = page.js(f"tbGraph.select('{ids[name]}')")["grad"]
        if isinstance(shown, dict):       # a big tensor: summary statistics and a histogram
            stats = shown["stats"]
            np.testing.assert_allclose([stats["min"], stats["max"], stats["mean"]],
                                       [expected.data.min(), expected.data.max(),
                                        expected.data.mean()], rtol=1e-5, atol=1e-8)
            # A histogram of the data and one of the gradient.
            assert page.js("document.querySelectorAll('#tb-panel svg.tb-hist rect').length") \
                == 2 * 20
        else:
            np.testing.assert_allclose(np.array(shown), expected.data, rtol=1e-6, atol=1e-8)
            cells = page.js("[...document.querySelectorAll('#tb-panel table')[2].rows]"
                            ".flatMap(r => [...r.cells].map(c => Number(c.textContent)))")
            np.testing.assert_allclose(np.array(cells).reshape(expected.shape), expected.data,
                                       rtol=1e-3, atol=1e-6)
        assert p.grad is None


def test_leaves_accumulate_across_uses_and_edges_show_the_gradient(case):
    page = case["opened"]
    page.js("tbGraph.step()")
    labels = page.js("[...document.querySelectorAll('.tb-view[data-view=full] "
                     ".tb-gradlabel')].map(e => e.textContent)")
    assert labels and all(text.startswith("\u2202 ") for text in labels)
    page.js("while (tbGraph.state().step < tbGraph.state().total) tbGraph.step()")
    badges = page.js("[...document.querySelectorAll('.tb-view[data-view=full] .tb-badge')]"
                     ".map(e => e.textContent)")
    assert len(badges) == len(case["params"]) and all(b == "\u2207 1/1" for b in badges)


def test_search_views_and_op_details(case):
    page = case["opened"]
    # The op the last nn.Linear records (its Function's name): both Linear layers use it.
    last = "2" if "2.weight" in case["params"] else "fc2"
    op = next(n["op"] for n in explore(case["loss"], params=case["params"]).nodes
              if n["kind"] == "op" and n["module_path"] == last)
    found = page.js(f"tbGraph.search('{op.lower()}')")
    assert len(found) == 2 and all(page.js(f"tbGraph.details('{i}').label") == op
                                   for i in found)
    assert page.js("tbGraph.views()") == ["full", "ops", "modules"]
    page.js("tbGraph.setView('modules'); tbGraph.step(); tbGraph.step()")
    current = page.js("document.querySelector('.tb-view[data-view=modules] .tb-current')"
                      ".getAttribute('data-node-id')")
    assert current.startswith("module:")
    page.js(f"tbGraph.select('{found[0]}')")
    panel = page.js("document.getElementById('tb-panel').textContent")
    assert "local derivative" in panel and "dL/dW" in panel and "forward call site" in panel
    page.js("tbGraph.search('')")


def test_screenshot_mid_backward(pages, tmp_path):
    page = pages["mlp"]["opened"]
    page.js("tbGraph.reset(); tbGraph.setView('full'); tbGraph.step(); tbGraph.step()")
    page.js("tbGraph.select(tbGraph.nodes().find(n => n.label === '2.weight').id)")
    shot = page.page.screenshot(path=str(tmp_path / "explorer.png"))
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 20_000
    if os.environ.get("TINYGRAD_BOOK_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.write_bytes(shot)
    page.check_clean()


def test_the_notebook_view_runs_inside_its_iframe(browser, tmp_path):
    _, loss = mlp()
    path = tmp_path / "notebook.html"
    path.write_text("<!DOCTYPE html><html><body><h1>a notebook cell</h1>"
                    + explore(loss)._repr_html_() + "</body></html>", encoding="utf-8")
    opened = Opened(browser, path, in_frame=True)
    assert opened.js("tbGraph.step()")["step"] == 1
    assert opened.page.evaluate("window.tbGraph") is None    # the API stays in its frame
    opened.check_clean()
    opened.page.close()
