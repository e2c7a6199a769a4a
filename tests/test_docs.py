"""The user guide stays true to the code.

Every ```python block of each page in ``docs/`` runs, in order, in one
namespace per page, in a temporary working directory; a page whose examples
drift from the code fails here. The reference pages are also checked against
the public names and parameters.
"""

import inspect
import re
import textwrap
from pathlib import Path

import pytest

import skrnn

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(DOCS.glob("*.md"))

# a fenced block: ```python ... ``` (the fence may be indented, as in a list)
_PYTHON_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)```python[ \t]*\n(?P<code>.*?)^(?P=indent)```[ \t]*$",
    re.DOTALL | re.MULTILINE,
)
# a Markdown link or image to a relative target: [text](target) or ![alt](target)
_LINK = re.compile(r"!?\[[^\]]*\]\((?P<target>[^)\s]+)\)")

# guide pages that the index links to and that are maintained with their own
# subjects; their links are checked once the files exist
_OPTIONAL_PAGES = {"performance.md", "distributed.md"}


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
        except Exception as exc:  # noqa: BLE001 - report which block failed
            raise AssertionError(
                f"{where} failed: {type(exc).__name__}: {exc}"
            ) from exc
    if "matplotlib.pyplot" in __import__("sys").modules:
        import matplotlib.pyplot as plt

        plt.close("all")


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_relative_links_resolve(page):
    text = page.read_text(encoding="utf-8")
    # links inside code blocks are code, not links
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    for match in _LINK.finditer(text):
        target = match.group("target").split("#", 1)[0]
        if not target or re.match(r"^[a-z]+:", target):
            continue  # a link within the page, or to a URL
        path = (page.parent / target).resolve()
        if not path.exists() and path.name in _OPTIONAL_PAGES:
            continue
        assert path.exists(), f"{page.name} links to missing {target}"


def test_every_page_is_in_the_index():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in PAGES:
        if page.name != "index.md":
            assert f"({page.name})" in index, f"index.md does not link {page.name}"


def _public_objects():
    return [(name, getattr(skrnn, name)) for name in skrnn.__all__ if name[0] != "_"]


def test_api_page_lists_every_public_name_and_method():
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    for name, obj in _public_objects():
        assert f"`{name}" in api, f"api.md does not document {name}"
        if not inspect.isclass(obj):
            continue
        for attr, member in vars(obj).items():
            if attr.startswith("_") or not callable(member):
                continue
            assert f"{attr}(" in api, f"api.md does not document {name}.{attr}"


def test_api_page_signatures_match_the_code():
    """Each ``name(params)`` heading of api.md names the real parameters."""
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    for name, obj in _public_objects():
        params = list(inspect.signature(obj).parameters)
        match = re.search(rf"`{name}\((?P<args>[^`]*)\)`", api)
        assert match, f"api.md has no signature for {name}"
        written = [
            arg.split("=")[0].strip()
            for arg in match.group("args").split(",")
            if arg.strip() and arg.strip() not in {"*", "..."}
        ]
        if "..." in match.group("args"):
            assert set(written) <= set(params), name
        else:
            assert written == params, f"api.md: signature of {name}"


@pytest.mark.parametrize("estimator", [skrnn.RNNRegressor, skrnn.RNNClassifier])
def test_estimators_page_describes_every_parameter(estimator):
    page = (DOCS / "estimators.md").read_text(encoding="utf-8")
    for param in estimator().get_params():
        assert f"`{param}`" in page, f"estimators.md does not describe {param}"
