"""The user guide stays true to the code.

Every ```python block of each page in ``docs/`` runs, in order, in one
namespace per page, in a temporary working directory; a page whose examples
drift from the code fails here. The reference pages are also checked against
the public names and parameters.
"""

import inspect
import re
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import skrnn

# the examples train small models for a few epochs on purpose
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(DOCS.glob("*.md"))

# a fenced block: ```python ... ``` (the fence may be indented, as in a list)
_PYTHON_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)```python[ \t]*\n(?P<code>.*?)^(?P=indent)```[ \t]*$",
    re.DOTALL | re.MULTILINE,
)
# a Markdown link or image to a relative target: [text](target) or ![alt](target)
_LINK = re.compile(r"!?\[[^\]]*\]\((?P<target>[^)\s]+)\)")

# optional dependencies (extras of the package, or peers for comparison): a
# page whose examples need one that is not installed is skipped, not failed
_OPTIONAL_MODULES = {"dask", "distributed", "matplotlib", "torch"}

# pages the index links to that a checkout may not hold yet; links to them are
# checked once they exist
_OPTIONAL_PAGES = set()


def python_blocks(page):
    """The ```python blocks of a page, dedented, with their first line number."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in _PYTHON_BLOCK.finditer(text):
        line = text.count("\n", 0, match.start("code")) + 1
        blocks.append((line, textwrap.dedent(match.group("code"))))
    return blocks


def _page_id(page):
    return page.name


def test_the_guide_has_pages():
    names = {page.name for page in PAGES}
    for name in [
        "index.md",
        "getting-started.md",
        "data-formats.md",
        "estimators.md",
        "cells.md",
        "transformers.md",
        "forecasting.md",
        "pipelines.md",
        "api.md",
    ]:
        assert name in names


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_python_blocks_run(page, tmp_path, monkeypatch):
    blocks = python_blocks(page)
    if not blocks:
        pytest.skip(f"{page.name} has no python blocks")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": f"docs.{page.stem}"}
    for line, code in blocks:
        where = f"{page.name}, block at line {line}"
        try:
            exec(compile(code, where, "exec"), namespace)
        except ModuleNotFoundError as exc:
            if (exc.name or "").split(".")[0] not in _OPTIONAL_MODULES:
                raise
            pytest.skip(f"{where} needs the optional package {exc.name}")
        except Exception as exc:
            raise AssertionError(
                f"{where} failed: {type(exc).__name__}: {exc}"
            ) from exc
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        plt.close("all")


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_relative_links_resolve(page):
    text = page.read_text(encoding="utf-8")
    # links inside code blocks are code, not links
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    for match in _LINK.finditer(text):
        target, _, anchor = match.group("target").partition("#")
        if re.match(r"^[a-z]+:", target):
            continue  # a URL
        path = (page.parent / target).resolve() if target else page
        if not path.exists() and path.name in _OPTIONAL_PAGES:
            continue
        assert path.exists(), f"{page.name} links to missing {target}"
        if anchor and path.suffix == ".md":
            assert anchor in _anchors(path), f"{page.name}: no #{anchor} in {target}"


def _anchors(page):
    """The anchors GitHub gives the headings of a Markdown page."""
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    anchors = set()
    for heading in re.findall(r"^#+ (.+?)[ \t]*$", text, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


def test_every_page_is_in_the_index():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in PAGES:
        if page.name != "index.md":
            assert f"({page.name})" in index, f"index.md does not link {page.name}"


def _public_objects():
    return [(name, getattr(skrnn, name)) for name in skrnn.__all__ if name[0] != "_"]


def _api_sections():
    """The text of api.md under each ``## `name` `` heading."""
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    parts = re.split(r"^## `(\w+)`[ \t]*$", api, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _written_signature(text, name):
    """The parameters written as ``name(...)`` in text, as an inspect.Signature.

    The call must start a line or follow a backtick; nested parentheses in
    defaults, such as ``(64,)``, are allowed.
    """
    match = re.search(rf"(?:^|`){name}\(", text, flags=re.MULTILINE)
    assert match, f"api.md writes no signature for {name}"
    depth, start = 1, match.end()
    for end in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        if depth == 0:
            break
    namespace = {"np": np}
    exec(f"def _written({text[start:end]}): pass", namespace)
    return inspect.signature(namespace["_written"])


def _same_signature(written, actual):
    """Same names, kinds and defaults (NaN equal to NaN)."""
    if list(written.parameters) != list(actual.parameters):
        return False
    for name, param in actual.parameters.items():
        other = written.parameters[name]
        if other.kind != param.kind:
            return False
        a, b = param.default, other.default
        both_nan = isinstance(a, float) and isinstance(b, float) and a != a and b != b
        if not (both_nan or a == b):
            return False
    return True


def test_api_page_documents_every_public_name():
    sections = _api_sections()
    assert set(sections) == {name for name, _ in _public_objects()}


@pytest.mark.parametrize("name", [name for name, _ in _public_objects()])
def test_api_page_signatures_match_the_code(name):
    obj = getattr(skrnn, name)
    section = _api_sections()[name]
    written = _written_signature(section, name)
    assert _same_signature(written, inspect.signature(obj)), name
    if not inspect.isclass(obj):
        return
    for attr, member in vars(obj).items():
        if attr.startswith("_") or not callable(member):
            continue
        written = _written_signature(section, attr)
        actual = inspect.signature(member)
        actual = actual.replace(parameters=list(actual.parameters.values())[1:])
        assert _same_signature(written, actual), f"{name}.{attr}"


@pytest.mark.parametrize("estimator", [skrnn.RNNRegressor, skrnn.RNNClassifier])
def test_estimators_page_describes_every_parameter(estimator):
    page = (DOCS / "estimators.md").read_text(encoding="utf-8")
    for param in estimator().get_params():
        assert f"`{param}`" in page, f"estimators.md does not describe {param}"


def test_estimators_page_describes_every_fitted_attribute():
    import pandas as pd

    page = (DOCS / "estimators.md").read_text(encoding="utf-8")
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.standard_normal((20, 4)), columns=list("abcd"))
    y = np.repeat(["x", "y"], 10)
    for est, target in [
        (skrnn.RNNClassifier(hidden_layer_sizes=(2,), max_iter=2), y),
        (skrnn.RNNRegressor(hidden_layer_sizes=(2,), max_iter=2), X["a"]),
    ]:
        est.set_params(early_stopping=True).fit(X, target)
        for attr in vars(est):
            if attr.endswith("_") and not attr.startswith("_"):
                assert f"`{attr}`" in page, f"estimators.md lacks {attr}"
