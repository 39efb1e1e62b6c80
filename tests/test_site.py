"""The site build: it runs every page through the machinery, shows only outputs that run produced,
and fails, naming the file and line, when an output differs, a notebook cell raises, or a console
block is shown that did not run; and no build serves an output older than what its key covers."""

from __future__ import annotations

import html
import json
import logging
import os
import re
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import torch
import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, PluginError
from mkdocs.utils import yaml_load

import programs
from dlref.device import ENV_VAR, default_device
from dlref_site import cache
from dlref_site.cache import CACHE_DIR_ENV_VAR, directory
from dlref_site.examples import apply, parse, rewrite, run
from dlref_site.runner import Outcome
from topics import is_topic

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def mkdocs_build(project: Path, site: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` as a maintainer runs it, as a new interpreter would run it.

    ``programs.run_module``: ``python -m mkdocs`` in a process forked from the run's warm
    server, with its own environment, folder and captured output, without importing torch again.
    """
    args = ["build", "--strict", "-f", str(project / "mkdocs.yml"), "-d", str(site)]
    return programs.run_module("mkdocs", args, cwd=project, env=env or ENV, timeout=600)


@dataclass
class Build:
    passed: bool
    log: str  # mkdocs' log lines, as `mkdocs build` prints them


@pytest.fixture
def build_here(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path, Path], Build]:
    """Build a small project in this process: ``mkdocs build --strict`` without its start-up.

    The project's pages run in fresh processes from this test process's warm server
    (``dlref_site.runner``) instead of a new one per build, and share the project's execution cache, so
    dlref's docstrings run once, not once per project (its pages are keyed by their own text).
    """
    monkeypatch.setenv(CACHE_DIR_ENV_VAR, str(directory(ROOT)))

    def build_project(project: Path, site: Path) -> Build:
        records: list[str] = []

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                records.append(f"{record.levelname:<8}-  {record.getMessage()}")

        logger, handler = logging.getLogger("mkdocs"), Collect(logging.INFO)
        level = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        try:
            build(load_config(str(project / "mkdocs.yml"), site_dir=str(site)))
            passed = True
        except (Abort, PluginError):
            passed = False
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
        return Build(passed, "\n".join(records))

    return build_project


@pytest.fixture(scope="module")
def site(built_site: Path) -> Path:
    """The project's own site, built once with ``mkdocs build --strict`` (``tests/conftest.py``)."""
    return built_site


def read(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def nav_pages() -> list[str]:
    """The source of every page in ``mkdocs.yml``'s navigation, as written there."""

    def pages(nav: list) -> list[str]:
        found = []
        for entry in nav:
            value = next(iter(entry.values())) if isinstance(entry, dict) else entry
            found += pages(value) if isinstance(value, list) else [value]
        return found

    return pages(yaml_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])


def built_html(page: str) -> Path:
    """use_directory_urls: a/b.md -> a/b/index.html, a/index.md -> a/index.html"""
    return Path(page).parent / "index.html" if Path(page).stem == "index" else Path(page).with_suffix("") / "index.html"


def test_every_page_of_the_navigation_is_built(site: Path) -> None:
    built = {built_html(page) for page in nav_pages()}
    assert len(built) > 15
    for page in built:
        assert (site / page).is_file(), page


def test_every_topic_page_has_exercises_with_solutions_folded_and_run(site: Path) -> None:
    """Two or three exercises a page, each solved in a collapsed "Solution" block holding code the
    build ran: a ``pycon`` block on a Markdown page, a cell tagged ``solution`` in a notebook."""
    solution = re.compile(r'<details class="example">\s*<summary>Solution</summary>(.*?)</details>', re.DOTALL)
    checked = 0
    for page in nav_pages():
        if not is_topic(page):
            continue
        built = read(site, str(built_html(page)))
        assert 'id="exercises"' in built, page
        solutions = solution.findall(built[built.index('id="exercises"') :])
        assert 2 <= len(solutions) <= 3, (page, len(solutions))
        # a notebook's solution is its cell's code block (Python), a Markdown page's a console block
        code = "language-python" if page.endswith(".py") else "language-pycon"
        assert all(code in block for block in solutions), page
        checked += 1
    assert checked > 15


def test_footer_names_torch_and_the_device(site: Path) -> None:
    footer = f"checked at build time with torch {torch.__version__} on {default_device()}"
    for page in ["index.html", "tensors/creation/index.html", "api/tensors/index.html"]:
        assert footer in read(site, page)


def test_creation_page_shows_only_outputs_the_run_produced(site: Path) -> None:
    page = run(parse((ROOT / "docs/tensors/creation.md").read_text(encoding="utf-8"), "creation.md", [ROOT]))
    assert page.passed, page.report()
    shown = apply(page.text, rewrite(page)[0]["creation.md"])
    # Fences at any indentation: the exercises' solutions are indented inside "??? example" blocks.
    fences = re.findall(r"^( *)```pycon\n(.*?)^\1```$", shown, re.MULTILINE | re.DOTALL)
    expected_blocks = [re.sub(rf"^{indent}", "", body, flags=re.MULTILINE) for indent, body in fences]
    assert any(indent for indent, _ in fences)
    built = read(site, "tensors/creation/index.html")
    built_blocks = re.findall(r'<div class="language-pycon highlight"><pre>(.*?)</pre></div>', built, re.DOTALL)
    assert len(built_blocks) == len(expected_blocks) > 10
    for expected, actual in zip(expected_blocks, built_blocks, strict=True):
        assert text_of(actual).strip() == expected.strip()
    # ... and every output line in the page is an output of the run.
    outputs = {line.strip() for example in page.examples for line in example.got.splitlines()}
    for span in re.findall(r'<span class="go">(.*?)</span>', built, re.DOTALL):
        assert text_of(span).strip() in outputs


def test_reference_source_is_shown_from_the_module(site: Path) -> None:
    built = text_of(read(site, "tensors/creation/index.html"))
    source = (ROOT / "src/dlref/tensors/creation.py").read_text(encoding="utf-8")
    for name in ["arange", "linspace", "eye", "nested_shape"]:
        signature = re.search(rf"^def {name}\(.*?\n", source, re.MULTILINE).group(0).strip()
        assert signature in built, name


def test_notebook_page_is_executed_with_a_download_link(site: Path) -> None:
    built = read(site, "walkthroughs/least-squares/index.html")
    assert "w = 2.0" in built  # the printed result of the executed notebook
    # The figure is served as a file next to the page (dlref_site.notebook_page), not inlined as base64,
    # with its cell's alt text.
    assert re.search(r'<img src="least-squares-1.png" alt="Left: the data and the least-squares line[^"]*">', built)
    assert (site / "walkthroughs/least-squares/least-squares-1.png").read_bytes().startswith(b"\x89PNG")
    assert "Traceback" not in built
    # The download is the notebook as executed for this page: outputs included, figure and all.
    assert built.count("download>") == 1  # one button: the notebook, not also its jupytext source
    assert '<a href="least-squares.ipynb" title="Download this page as a notebook (least-squares.ipynb)"' in built
    notebook = nbformat.read(site / "walkthroughs/least-squares/least-squares.ipynb", as_version=4)
    nbformat.validate(notebook)
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert any("w = 2.0" in output.get("text", "") for output in outputs)
    assert any("image/png" in output.get("data", {}) for output in outputs)


def test_api_reference_is_generated_from_docstrings(site: Path) -> None:
    for page, anchor in [("tensors", "dlref.tensors.creation.arange"), ("device", "dlref.device.default_device")]:
        built = read(site, f"api/{page}/index.html")
        assert f'id="{anchor}"' in built, anchor
        assert "dlref_site" not in built  # the API reference documents the library, not the machinery


def test_api_reference_pages_are_light(site: Path) -> None:
    """One page per subpackage, none over 300 KB of HTML, no inline source listings."""
    pages = sorted(site.glob("api/*/index.html"))
    assert len(pages) >= 8
    for page in pages:
        assert page.stat().st_size <= 300_000, (page, page.stat().st_size)
        assert "mkdocstrings-source" not in page.read_text(encoding="utf-8"), page


def test_math_and_fonts_are_served_by_the_site(site: Path) -> None:
    assert (site / "assets/katex/katex.min.js").is_file()
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        text = re.sub(r'<link rel="canonical"[^>]*>', "", text)  # the page's own address: no request
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', text)
        assert not remote, (page, remote)
        assert "fonts.googleapis" not in text, page


# --- the build fails on a wrong output, a failing cell, a missing device ----------------------------


def plugin_name(entry: str | dict) -> str:
    """The name of an entry of mkdocs.yml's ``plugins``: ``dlref``, or ``{"dlref": {its options}}``."""
    return entry if isinstance(entry, str) else next(iter(entry))


def small_project(tmp_path: Path, pages: dict[str, str]) -> Path:
    """A site with the project's plugins and Markdown settings and the given pages.

    The dlref and search plugins as mkdocs.yml configures them: a ``.py`` page under one of dlref's
    ``notebooks`` globs (``walkthroughs/*.py``) is a notebook page, as in the project.
    """
    config = yaml_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    plugins = [p for p in config["plugins"] if plugin_name(p) in ("dlref", "search")]
    small = {
        "site_name": "test",
        "strict": True,
        "theme": {"name": "material"},
        "plugins": plugins,
        "markdown_extensions": [e for e in config["markdown_extensions"] if "snippets" not in str(e)],
    }
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(small), encoding="utf-8")
    for name, text in pages.items():
        path = tmp_path / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_a_rebuild_runs_only_the_page_that_changed(tmp_path: Path, build_here) -> None:
    # pages this shared cache has never seen: a run is keyed on the page's examples, not its prose
    fresh = f">>> fresh = '{uuid.uuid4()}'\n"
    pages = {
        "index.md": "# Home\n\n```pycon\n" + fresh + ">>> 6 * 7\n42\n```\n",
        "other.md": "# Other\n\n```pycon\n" + fresh + ">>> 2 ** 10\n1024\n```\n",
        "prose.md": "# Prose\n\nNo examples.\n",
    }
    project = small_project(tmp_path, pages)
    first = build_here(project, tmp_path / "site")
    assert first.passed, first.log
    assert "(docs/index.md, docs/other.md" in first.log  # (the docstrings may be cached already)
    again = build_here(project, tmp_path / "site")
    assert "dlref: executed 0 of 3; 3 unchanged, from the cache" in again.log
    (project / "docs/other.md").write_text(pages["other.md"].replace("2 ** 10\n1024", "2 ** 11\n2048"))
    changed = build_here(project, tmp_path / "site")
    assert "dlref: executed 1 of 3 (docs/other.md); 2 unchanged, from the cache" in changed.log
    assert "2048" in (tmp_path / "site/other/index.html").read_text(encoding="utf-8")


def test_a_wrong_output_fails_the_build_naming_file_and_line(tmp_path: Path, build_here) -> None:
    page = "# Page\n\nText.\n\n```pycon\n>>> import torch\n>>> torch.arange(3)\ntensor([0, 1, 3])\n```\n"
    result = build_here(small_project(tmp_path, {"index.md": page}), tmp_path / "site")
    assert not result.passed
    assert "docs/index.md:7: example did not show what the page shows" in result.log
    assert "Expected:\n    tensor([0, 1, 3])\nActual:\n    tensor([0, 1, 2])" in result.log


def test_an_unexpected_exception_fails_the_build(tmp_path: Path, build_here) -> None:
    page = "# Page\n\n```pycon\n>>> {}['missing']\n```\n"
    result = build_here(small_project(tmp_path, {"index.md": page}), tmp_path / "site")
    assert not result.passed
    assert "docs/index.md:4:" in result.log
    assert "KeyError: 'missing'" in result.log


def test_a_notebook_cell_that_raises_fails_the_build(tmp_path: Path, build_here) -> None:
    notebook = "# %% [markdown]\n# # Broken\n\n# %%\nx = 1\n\n# %%\nraise ValueError('this cell fails on purpose')\n"
    project = small_project(tmp_path, {"index.md": "# Home\n", "walkthroughs/broken.py": notebook})
    result = build_here(project, tmp_path / "site")
    assert not result.passed
    assert "this cell fails on purpose" in result.log


def test_a_notebook_solution_cell_is_folded_with_its_output_and_still_runs(tmp_path: Path, build_here) -> None:
    notebook = (
        "# %% [markdown]\n# # Page\n\n# %%\nx = 6\n\n"
        "# %% [markdown]\n# ## Exercises\n#\n# 1. Multiply `x` by 7.\n\n"
        '# %% tags=["solution"]\nproduct = x * 7\nassert product == 42\nprint("product", product)\n\n'
        "# %% [markdown]\n# ## See also\n"
    )
    outputs = "=== cell 2, line 12 ===\nproduct 42\n"  # what the solution prints, checked as any cell's
    pages = {"index.md": "# Home\n", "walkthroughs/page.py": notebook, "walkthroughs/page.outputs.txt": outputs}
    project = small_project(tmp_path, pages)
    result = build_here(project, tmp_path / "site")
    assert result.passed, result.log
    built = (tmp_path / "site/walkthroughs/page/index.html").read_text(encoding="utf-8")
    folded = re.findall(r'<details class="example">\s*<summary>Solution</summary>(.*?)</details>', built, re.DOTALL)
    assert len(folded) == 1, built
    # the cell as every code cell is shown: a Python code block, its output a text block after it
    code_then_output = r'<div class="language-python highlight">.*<div class="language-text dlref-output'
    assert re.search(code_then_output, folded[0], re.DOTALL), folded[0]
    article = text_of(built[built.index("<article") : built.index("</article>")])
    assert re.findall("solution", article, re.IGNORECASE) == ["Solution"]  # no label of the cell's tag
    shown = text_of(folded[0])
    assert "assert product == 42" in shown  # the code
    assert "product 42" in shown  # and its output
    assert "x = 6" not in shown  # nothing else: not the cell before,
    assert "Multiply" not in shown  # nor the exercise
    # The download keeps the solution as an ordinary cell, run with the rest.
    download = nbformat.read(tmp_path / "site/walkthroughs/page/page.ipynb", as_version=4)
    solution = next(cell for cell in download.cells if "solution" in cell.metadata.get("tags", []))
    assert "product 42" in "".join(output.get("text", "") for output in solution.outputs)


def _docstrings_that_fail(exact: bool, package: str = "dlref") -> Outcome:
    return Outcome(False, "dlref/example.py:3: an example printed 2, its docstring shows 1")


def _docstrings_that_pass(exact: bool, package: str = "dlref") -> Outcome:
    return Outcome(True)


def test_failing_docstrings_fail_the_build_before_anything_is_written(
    tmp_path: Path, build_here, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API page shows the docstrings' examples: a build whose docstrings' run failed writes nothing."""
    monkeypatch.setattr("dlref_site.runner.run_docstrings", _docstrings_that_fail)
    monkeypatch.setenv(CACHE_DIR_ENV_VAR, str(tmp_path / "cache"))  # a cache without the docstrings' outcome
    project = small_project(tmp_path, {"index.md": "# Home\n\n```pycon\n>>> 6 * 7\n42\n```\n"})
    result = build_here(project, tmp_path / "site")
    assert not result.passed
    assert "dlref/example.py:3: an example printed 2, its docstring shows 1" in result.log
    assert not (tmp_path / "site" / "index.html").exists()


def test_a_changed_last_digit_fails_the_build_on_the_reference_platform(tmp_path: Path, build_here) -> None:
    page = "# Page\n\n```pycon\n>>> import torch\n>>> torch.tensor([1000 / 3])\ntensor([333.3334])\n```\n"
    project = small_project(tmp_path, {"index.md": page})
    (project / "constraints.txt").write_text((ROOT / "constraints.txt").read_text(encoding="utf-8"))
    result = build_here(project, tmp_path / "site")
    assert not result.passed
    assert "Expected:\n    tensor([333.3334])\nActual:\n    tensor([333.3333])" in result.log
    assert "(compared exactly)" in result.log
    (project / "constraints.txt").write_text("torch==0.0.1\n")  # another version: tolerances, said so
    result = build_here(project, tmp_path / "site")
    assert result.passed, result.log
    assert "dlref: outputs compared with tolerances: torch" in result.log
    assert "compared with tolerances" in (tmp_path / "site/index.html").read_text(encoding="utf-8")


def test_every_console_fence_form_is_run_by_the_build(tmp_path: Path, build_here) -> None:
    """One page, each example in another form of fence; the build runs them all and names each."""
    openings = ["~~~pycon", "``` pycon", "```{.pycon}", '``` { .pycon title="Example" }', "```python-console"]
    page = "# Page\n" + "".join(f"\n{opening}\n>>> 6 * 7\n41\n{opening[:3]}\n" for opening in openings)
    result = build_here(small_project(tmp_path, {"index.md": page}), tmp_path / "site")
    assert not result.passed
    lines = [4 + 5 * n for n in range(len(openings))]
    for line in lines:
        assert f"docs/index.md:{line}: example did not show what the page shows" in result.log, line


def test_a_page_the_parser_refuses_fails_the_build_with_its_reason(tmp_path: Path, build_here) -> None:
    page = "# Page\n\n```pycon\n>>> 1  # dlref: rtol=lots\n1\n```\n"
    result = build_here(small_project(tmp_path, {"index.md": page}), tmp_path / "site")
    assert not result.passed
    assert "docs/index.md:4: bad dlref directive 'rtol=lots'" in result.log


def test_a_console_block_that_did_not_run_fails_the_build(tmp_path: Path, build_here) -> None:
    """Here a console block shown inside a ``markdown`` fence: Pygments highlights it as one, and no
    example of it ran."""
    page = "# Page\n\n````markdown\n```pycon\n>>> 6 * 7\n41\n```\n````\n"
    result = build_here(small_project(tmp_path, {"index.md": page}), tmp_path / "site")
    assert not result.passed
    assert "index.md: 1 Python console prompts rendered, 0 examples run" in result.log


def with_snippets(project: Path) -> Path:
    config = yaml_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    config["markdown_extensions"].append({"pymdownx.snippets": {"base_path": ["."], "check_paths": True}})
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return project


def test_examples_in_nested_snippets_run_and_an_edit_six_deep_runs_the_page_again(tmp_path: Path, build_here) -> None:
    fresh = f"<!-- {uuid.uuid4()} -->\n"
    project = with_snippets(small_project(tmp_path, {"index.md": fresh + '# Home\n\n--8<-- "parts/p1.md"\n'}))
    (project / "parts").mkdir()
    for n in range(1, 6):
        (project / f"parts/p{n}.md").write_text(f'--8<-- "parts/p{n + 1}.md"\n', encoding="utf-8")
    (project / "parts/p6.md").write_text("~~~pycon\n>>> 6 * 7\n42\n~~~\n", encoding="utf-8")
    first = build_here(project, tmp_path / "site")
    assert first.passed, first.log
    assert "42" in (tmp_path / "site/index.html").read_text(encoding="utf-8")
    (project / "parts/p6.md").write_text("~~~pycon\n>>> 6 * 8\n48\n~~~\n", encoding="utf-8")
    again = build_here(project, tmp_path / "site")
    assert "executed 1 of 2 (docs/index.md)" in again.log
    assert "48" in (tmp_path / "site/index.html").read_text(encoding="utf-8")
    (project / "parts/p6.md").write_text("~~~pycon\n>>> 6 * 8\n47\n~~~\n", encoding="utf-8")
    broken = build_here(project, tmp_path / "site")
    assert f"{project / 'parts/p6.md'}:2: example did not show what the page shows" in broken.log


def test_a_library_edit_or_a_thread_count_between_builds_in_one_process_runs_pages_again(
    tmp_path: Path, build_here, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``mkdocs serve`` builds again in the same process: a library source edited, or an output
    setting changed (the number of threads), since the last build, and the page runs again."""
    import shutil

    copies = []
    for package in cache.PACKAGES:
        copies.append(tmp_path / "src" / package.name)
        shutil.copytree(package, copies[-1], ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGES", tuple(copies))
    monkeypatch.setenv(CACHE_DIR_ENV_VAR, str(tmp_path / "cache"))
    monkeypatch.setattr("dlref_site.runner.run_docstrings", _docstrings_that_pass)  # not what is tested here
    monkeypatch.setattr("dlref_site.runner.PRELOAD", [])  # its new servers start at once
    (tmp_path / "project").mkdir()
    project = small_project(tmp_path / "project", {"index.md": "# Home\n\n```pycon\n>>> 6 * 7\n42\n```\n"})
    assert build_here(project, tmp_path / "site").passed
    assert "executed 0 of 2" in build_here(project, tmp_path / "site").log
    library = copies[1] / "tensors" / "creation.py"
    library.write_text(library.read_text(encoding="utf-8") + "\n# edited while serving\n", encoding="utf-8")
    assert "executed 2 of 2" in build_here(project, tmp_path / "site").log
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert "executed 2 of 2" in build_here(project, tmp_path / "site").log


def test_serve_renders_again_a_page_whose_run_changed_though_its_source_did_not(tmp_path: Path) -> None:
    """``scripts/docs`` serves with ``--dirty``: MkDocs renders only pages whose source is newer
    than their HTML; the plugin removes the HTML of a page whose run is new (here: an included file
    changed), so it is rendered again and shows the new output."""
    project = with_snippets(small_project(tmp_path, {"index.md": '# Home\n\n--8<-- "part.md"\n', "other.md": "# O\n"}))
    (project / "part.md").write_text("```pycon\n>>> 6 * 7\n42\n```\n", encoding="utf-8")
    site = tmp_path / "site"

    def serve_build(dirty: bool) -> None:
        config = load_config(str(project / "mkdocs.yml"), site_dir=str(site), strict=False)
        config.plugins.on_startup(command="serve", dirty=dirty)
        build(config, dirty=dirty)

    serve_build(False)
    other = (site / "other/index.html").stat().st_mtime_ns
    (project / "part.md").write_text("```pycon\n>>> 6 * 8\n48\n```\n", encoding="utf-8")
    serve_build(True)
    assert "48" in (site / "index.html").read_text(encoding="utf-8")
    assert (site / "other/index.html").stat().st_mtime_ns == other  # not rendered again


def test_a_notebook_page_is_rendered_again_from_its_cached_run(tmp_path: Path, build_here) -> None:
    """The execution cache keeps a notebook's run (the executed notebook), never its page: a build
    that takes the run from the cache renders the page from it again, the same page with the same
    figure file as the build that ran it."""
    notebook = (
        "# %% [markdown]\n# # Plot\n\n"
        '# %% alt="A falling line"\n'
        f"# {uuid.uuid4()}: a notebook this shared cache has never seen\n"
        "import matplotlib.pyplot as plt\n\nplt.plot([0, 1], [1, 0])\nplt.show()\n"
    )
    project = small_project(tmp_path, {"index.md": "# Home\n", "walkthroughs/plot.py": notebook})
    ran = build_here(project, tmp_path / "ran")
    assert ran.passed, ran.log
    assert "(docs/walkthroughs/plot.py" in ran.log  # executed (the docstrings may be cached already)
    cached = build_here(project, tmp_path / "cached")  # a new site folder: nothing left from the first
    assert cached.passed, cached.log
    assert "dlref: executed 0 of 2; 2 unchanged, from the cache" in cached.log
    pages = [read(tmp_path / site, "walkthroughs/plot/index.html") for site in ("ran", "cached")]
    assert '<img src="plot-1.png" alt="A falling line">' in pages[0]
    assert pages[1] == pages[0]
    figures = [(tmp_path / site / "walkthroughs/plot/plot-1.png").read_bytes() for site in ("ran", "cached")]
    assert figures[0].startswith(b"\x89PNG")
    assert figures[1] == figures[0]


def test_a_missing_device_stops_the_build_with_one_line(tmp_path: Path, missing_cuda: str) -> None:
    missing = missing_cuda
    project = small_project(tmp_path, {"index.md": "# Home\n"})
    result = mkdocs_build(project, tmp_path / "site", env={**ENV, ENV_VAR: missing})  # stops before any page runs
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1, result.stderr
    assert f"DLREF_DEVICE={missing}: " in errors[0]


_COUNT_AT_EXIT = """
import atexit, gc, runpy, sys
atexit.register(lambda: print("collectable at exit:", len(gc.get_objects())))  # the first registered runs last
sys.argv[0] = "mkdocs"
runpy.run_module("mkdocs", run_name="__main__")
"""


def test_a_build_leaves_the_exit_nothing_to_walk(tmp_path: Path) -> None:
    """The interpreter's exit collects garbage over every object still tracked: after this site's
    cold build, 0.3-0.4 s with nothing else left to do. The plugin freezes them at exit first."""
    project = small_project(tmp_path, {"index.md": "# Home\n\nText.\n"})
    args = ["build", "--strict", "-q", "-f", str(project / "mkdocs.yml"), "-d", str(tmp_path / "site")]
    env = {**ENV, CACHE_DIR_ENV_VAR: str(directory(ROOT))}  # dlref's docstrings as cached by the run
    result = programs.run_module("forked", ["-c", _COUNT_AT_EXIT, *args], cwd=project, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    left = int(re.search(r"collectable at exit: (\d+)", result.stdout).group(1))
    assert left < 1000, result.stdout  # 13,000 without the freeze, in a process forked from the warm server


def test_no_notebook_has_an_empty_code_cell() -> None:
    # A blank line too many after the jupytext header makes one: an empty code block on the page.
    import jupytext

    for path in sorted((ROOT / "docs").rglob("*.py")):
        cells = jupytext.read(path).cells
        empty = [i for i, cell in enumerate(cells) if cell.cell_type == "code" and not cell.source.strip()]
        assert not empty, f"{path.relative_to(ROOT)}: empty code cells {empty}"


def test_the_machinery_uses_no_private_name_of_another_package() -> None:
    """No ``package._private`` attribute of a third-party package is read or assigned, and no attribute
    of an imported third-party module is replaced: the machinery keeps working, or fails loudly, when
    they change. (The standard library's own streams, ``sys.stdout`` and the like, are the process's.)"""
    import ast
    import sys

    own = {p.stem for p in (ROOT / "src/dlref_site").glob("*.py")} | {"dlref_site", "dlref"}
    found = []
    for path in sorted((ROOT / "src/dlref_site").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = (
            {
                (alias.asname or alias.name).split(".")[0]
                for node in ast.walk(tree)
                if isinstance(node, ast.Import | ast.ImportFrom)
                for alias in node.names
            }
            - own
            - set(sys.stdlib_module_names)
        )
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.endswith("__"):
                base = node.value
                while isinstance(base, ast.Attribute):
                    base = base.value
                name = getattr(base, "id", "")
                if name in imported:
                    found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
            if isinstance(node, ast.Assign | ast.AugAssign):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(target, ast.Attribute) and getattr(target.value, "id", "") in imported:
                        found.append(f"{path.name}:{node.lineno}: assigns {ast.unparse(target)}")
                    if isinstance(target, ast.Subscript) and ast.unparse(target.value) == "sys.modules":
                        found.append(f"{path.name}:{node.lineno}: replaces a module: {ast.unparse(target)}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("getattr", "setattr", "delattr"):
                name = node.args[1] if len(node.args) > 1 else None
                private = isinstance(name, ast.Constant) and str(name.value).startswith("_")
                private = private and not str(name.value).endswith("__")
                if private or node.func.id != "getattr":
                    found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("MethodType"):
                found.append(f"{path.name}:{node.lineno}: replaces a method: {ast.unparse(node)}")
    assert found == []


def bilingual_project(tmp_path: Path, pages: dict[str, str], snippets: bool = False) -> Path:
    """``small_project`` with mkdocs-static-i18n as the project has it: English at the root, Chinese
    under ``zh/``, one language per process (``build_only_locale`` from ``DLREF_LANGUAGE``)."""
    project = with_snippets(small_project(tmp_path, pages)) if snippets else small_project(tmp_path, pages)
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    languages = [{"locale": "en", "name": "English", "default": True}, {"locale": "zh", "name": "中文"}]
    i18n = {"docs_structure": "suffix", "fallback_to_default": True, "build_only_locale": "ONLY"}
    i18n["languages"] = languages
    config["plugins"].append({"i18n": i18n})
    config["site_url"] = "http://127.0.0.1:8000/p/"
    text = yaml.safe_dump(config, allow_unicode=True).replace("ONLY", "!ENV [DLREF_LANGUAGE, en]")
    (project / "mkdocs.yml").write_text(text, encoding="utf-8")
    return project


def whole_site_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a build of every language, with a cache of its own."""
    env = {**ENV, CACHE_DIR_ENV_VAR: str(tmp_path / "cache")}
    env.pop("DLREF_LANGUAGE", None)
    return env


def test_each_language_builds_in_a_process_of_its_own_and_a_page_runs_once(tmp_path: Path) -> None:
    """``mkdocs build`` builds English and starts the Chinese build at the same time; a page and its
    translation run once for both; each page's language switch leads to it in the other language;
    each language has its own search index; the sitemap lists both."""
    count = tmp_path / "count"
    # long enough that the Chinese build asks for the run while the English one runs it
    slow = ">>> import time; time.sleep(4)\n"
    example = f"```pycon\n{slow}>>> with open(r'{count}', 'a') as f: _ = f.write('ran\\n')\n>>> 6 * 7\n42\n```\n"
    pages = {
        "index.md": f"# Home\n\nSum.\n\n{example}",
        "index.zh.md": f"# 首页\n\n求和。\n\n{example}",
        "other.md": "# Other\n\nNot translated.\n",
    }
    project = bilingual_project(tmp_path, pages)
    env = whole_site_env(tmp_path)
    result = mkdocs_build(project, tmp_path / "site", env=env)
    assert result.returncode == 0, result.stderr
    assert count.read_text(encoding="utf-8") == "ran\n"  # one run for both languages
    site = tmp_path / "site"
    switch = r'<a href="([^"]*)" hreflang="(\w+)" class="md-select__link">'
    for page, links in [
        ("index.html", [("/p/", "en"), ("/p/zh/", "zh")]),
        ("zh/index.html", [("/p/", "en"), ("/p/zh/", "zh")]),
        ("zh/other/index.html", [("/p/other/", "en"), ("/p/zh/other/", "zh")]),  # shown in English
    ]:
        assert re.findall(switch, read(site, page)) == links, page
    assert re.search(r"求和.*42", read(site, "zh/index.html"), flags=re.DOTALL)  # its prose, the run's output
    english, chinese = (json.loads(read(site, f"{f}search/search_index.json")) for f in ("", "zh/"))
    assert "求和" not in json.dumps(english, ensure_ascii=False)
    assert "求和" in json.dumps(chinese, ensure_ascii=False)
    sitemap = read(site, "sitemap.xml")
    listed = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert sorted(listed) == sorted(f"http://127.0.0.1:8000/p/{path}" for path in ("", "other/", "zh/", "zh/other/"))
    alternates = '<xhtml:link rel="alternate" hreflang="zh" href="http://127.0.0.1:8000/p/zh/other/"/>'
    assert sitemap.count(alternates) == 2  # other/ and zh/other/ each name both addresses


def test_a_failing_translation_fails_the_whole_build(tmp_path: Path) -> None:
    """A translation whose example differs from its page's runs on its own; its failure fails the build."""
    pages = {"index.md": "# Home\n\n```pycon\n>>> 6 * 7\n42\n```\n"}
    pages["index.zh.md"] = "# 首页\n\n```pycon\n>>> 6 * 7\n41\n```\n"
    project = bilingual_project(tmp_path, pages)
    env = whole_site_env(tmp_path)
    result = mkdocs_build(project, tmp_path / "site", env=env)
    assert result.returncode != 0
    assert "docs/index.zh.md:4" in result.stderr, result.stderr
    assert "dlref: the build of zh failed (its messages are above)" in result.stderr


def test_a_dirty_rebuild_renders_again_each_languages_page_whose_run_changed(tmp_path: Path) -> None:
    """``scripts/docs`` serves with ``--dirty``: after an included file changes, the page renders
    again in both languages, though the Chinese build finds the new run stored by the English one."""
    include = '--8<-- "part.md"\n'
    pages = {"index.md": f"# Home\n\n{include}", "index.zh.md": f"# 首页\n\n{include}", "other.md": "# O\n"}
    project = bilingual_project(tmp_path, pages, snippets=True)
    (project / "part.md").write_text("```pycon\n>>> 6 * 7\n42\n```\n", encoding="utf-8")
    env = whole_site_env(tmp_path)
    site = tmp_path / "site"
    args = ["build", "--no-strict", "-f", str(project / "mkdocs.yml"), "-d", str(site)]
    assert programs.run_module("mkdocs", args, cwd=project, env=env, timeout=600).returncode == 0
    (project / "part.md").write_text("```pycon\n>>> 6 * 8\n48\n```\n", encoding="utf-8")
    result = programs.run_module("mkdocs", [*args, "--dirty"], cwd=project, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    for page in ("index.html", "zh/index.html"):
        assert "48" in read(site, page), page
