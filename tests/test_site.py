"""The site build: it runs every page through the engine, shows only outputs that run produced,
and fails, naming the file and line, when an output differs or a notebook cell raises."""

from __future__ import annotations

import base64
import contextlib
import html
import logging
import os
import re
import subprocess
import threading
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

from dlref import forkserver
from dlref.device import ENV_VAR, default_device
from dlref.engine import rewrite_outputs, run_page
from dlref.runner import CACHE_DIR_ENV_VAR, Outcome, cache_directory

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def mkdocs_build(project: Path, site: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` as a maintainer runs it, as a new interpreter would run it.

    ``dlref.forkserver.run_module``: ``python -m mkdocs`` in a process forked from the run's warm
    server, with its own environment, folder and captured output, without importing torch again.
    """
    args = ["build", "--strict", "-f", str(project / "mkdocs.yml"), "-d", str(site)]
    return forkserver.run_module("mkdocs", args, cwd=project, env=env or ENV, timeout=600)


@dataclass
class Build:
    passed: bool
    log: str  # mkdocs' log lines, as `mkdocs build` prints them


@pytest.fixture
def build_here(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path, Path], Build]:
    """Build a small project in this process: ``mkdocs build --strict`` without its start-up.

    The project's pages run in fresh processes from this test process's warm server
    (``dlref.runner``) instead of a new one per build, and share the project's execution cache, so
    dlref's docstrings run once, not once per project (its pages are keyed by their own text).
    """
    monkeypatch.setenv(CACHE_DIR_ENV_VAR, str(cache_directory(ROOT)))

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


def test_every_page_of_the_navigation_is_built(site: Path) -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))

    def pages(nav: list) -> list[str]:
        found = []
        for entry in nav:
            value = next(iter(entry.values())) if isinstance(entry, dict) else entry
            found += pages(value) if isinstance(value, list) else [value]
        return found

    def html(page: str) -> Path:  # use_directory_urls: a/b.md -> a/b/index.html, a/index.md -> a/index.html
        return (
            Path(page).parent / "index.html"
            if Path(page).stem == "index"
            else Path(page).with_suffix("") / "index.html"
        )

    built = {html(page) for page in pages(config["nav"])}
    assert len(built) > 15
    for page in built:
        assert (site / page).is_file(), page


def test_footer_names_torch_and_the_device(site: Path) -> None:
    footer = f"checked at build time with torch {torch.__version__} on {default_device()}"
    for page in ["index.html", "tensors/creation/index.html", "api/index.html"]:
        assert footer in read(site, page)


def test_creation_page_shows_only_outputs_the_engine_produced(site: Path) -> None:
    run = run_page(ROOT / "docs/tensors/creation.md")
    assert run.passed, run.report()
    shown, _ = rewrite_outputs(
        (ROOT / "docs/tensors/creation.md").read_text(encoding="utf-8"), run, only_failures=False
    )
    expected_blocks = re.findall(r"^```pycon\n(.*?)^```$", shown, re.MULTILINE | re.DOTALL)
    built = read(site, "tensors/creation/index.html")
    built_blocks = re.findall(r'<div class="language-pycon highlight"><pre>(.*?)</pre></div>', built, re.DOTALL)
    assert len(built_blocks) == len(expected_blocks) > 10
    for expected, actual in zip(expected_blocks, built_blocks, strict=True):
        assert text_of(actual).strip() == expected.strip()
    # ... and every output line in the page is an output of the run.
    outputs = {line.strip() for result in run.results for line in result.got.splitlines()}
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
    # The figure is served as a file next to the page (dlref.publish.html), not inlined as base64.
    assert '<img alt="Figure 1" src="least-squares-1.png"/>' in built
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
    built = read(site, "api/index.html")
    for anchor in ["dlref.tensors.creation.arange", "dlref.device.default_device", "dlref.engine.check"]:
        assert f'id="{anchor}"' in built, anchor


def test_math_and_fonts_are_served_by_the_site(site: Path) -> None:
    assert (site / "assets/katex/katex.min.js").is_file()
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        remote = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', text)
        assert not remote, (page, remote)
        assert "fonts.googleapis" not in text, page


# --- the build fails on a wrong output, a failing cell, a missing device ----------------------------


def small_project(tmp_path: Path, pages: dict[str, str], notebooks: bool = False) -> Path:
    """A site with the project's plugins and Markdown settings and the given pages."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    plugins = [p for p in config["plugins"] if p in ("dlref", "search") or (notebooks and "mkdocs-jupyter" in p)]
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
    fresh = f"<!-- {uuid.uuid4()} -->\n"  # pages this shared cache has never seen
    pages = {
        "index.md": fresh + "# Home\n\n```pycon\n>>> 6 * 7\n42\n```\n",
        "other.md": fresh + "# Other\n\n```pycon\n>>> 2 ** 10\n1024\n```\n",
        "prose.md": "# Prose\n\nNo examples.\n",
    }
    project = small_project(tmp_path, pages)
    first = build_here(project, tmp_path / "site")
    assert first.passed, first.log
    assert "docs/index.md, docs/other.md)" in first.log  # (the docstrings may be cached already)
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
    project = small_project(tmp_path, {"index.md": "# Home\n", "walkthroughs/broken.py": notebook}, notebooks=True)
    result = build_here(project, tmp_path / "site")
    assert not result.passed
    assert "this cell fails on purpose" in result.log


def _docstrings_that_fail() -> Outcome:
    return Outcome(False, "dlref/example.py:3: an example printed 2, its docstring shows 1")


def test_failing_docstrings_fail_the_build_after_the_pages_are_written(
    tmp_path: Path, build_here, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No page shows what the docstrings' run printed (the API page shows the examples as written),
    so MkDocs writes the pages while it runs, and the build fails at its end."""
    monkeypatch.setattr("dlref.mkdocs_plugin.check_docstrings", _docstrings_that_fail)
    monkeypatch.setenv(CACHE_DIR_ENV_VAR, str(tmp_path / "cache"))  # a cache without the docstrings' outcome
    project = small_project(tmp_path, {"index.md": "# Home\n\n```pycon\n>>> 6 * 7\n42\n```\n"})
    result = build_here(project, tmp_path / "site")
    assert not result.passed
    assert "dlref/example.py:3: an example printed 2, its docstring shows 1" in result.log
    assert (tmp_path / "site" / "index.html").is_file()
    assert "dlref: executed" not in result.log  # said once all ran, and this did not pass


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
    env = {**ENV, CACHE_DIR_ENV_VAR: str(cache_directory(ROOT))}  # dlref's docstrings as cached by the run
    result = forkserver.run_module("dlref.forked", ["-c", _COUNT_AT_EXIT, *args], cwd=project, env=env, timeout=600)
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


def test_notebook_templates_are_compiled_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """mkdocs-jupyter makes an exporter per notebook; the plugin's memo compiles its templates once."""
    import jinja2
    from nbconvert.exporters.html import HTMLExporter

    from dlref.mkdocs_plugin import _share_nbconvert_templates

    _share_nbconvert_templates()
    _share_nbconvert_templates()  # a second build in the process (mkdocs serve) patches nothing more
    compiled = []
    compile_source = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return compile_source(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    first = HTMLExporter().environment.get_template("index.html.j2")
    made = len(compiled)
    second = HTMLExporter().environment.get_template("index.html.j2")
    assert made > 0
    assert compiled[made:] == []  # the second exporter's environment compiled nothing
    assert second.environment is not first.environment


def test_the_fork_server_starts_while_mkdocs_loads_its_plugins_when_every_page_will_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the theme and the other plugins load (a second), so torch is imported by then."""
    from dlref import mkdocs_plugin
    from dlref.runner import DOCSTRINGS, Outcome

    started: list[bool] = []
    monkeypatch.setattr(mkdocs_plugin, "start_server", lambda many=False: started.append(many))
    monkeypatch.setenv(CACHE_DIR_ENV_VAR, str(tmp_path / "cache"))
    monkeypatch.delenv("DLREF_CACHE", raising=False)
    project = small_project(tmp_path, {"index.md": "# Home\n"})
    config = load_config(str(project / "mkdocs.yml"))  # an empty cache: every page runs
    assert started == [True]
    runs = config.plugins["dlref"]._early[2]  # the cache it looked in, which on_config then uses
    assert runs.directory == tmp_path / "cache"
    runs.put(runs.key("docstrings", DOCSTRINGS, ""), Outcome(True))
    load_config(str(project / "mkdocs.yml"))  # the docstrings are cached: a page at most, on_files starts it
    assert started == [True]


def test_mkdocs_does_queued_work_while_a_run_goes_on_and_no_longer(tmp_path: Path) -> None:
    from collections import deque
    from concurrent.futures import Future, InvalidStateError

    from dlref.mkdocs_plugin import DlrefPlugin
    from dlref.runner import Cache, Outcome

    plugin, run, done = DlrefPlugin(), Future(), []

    def finish() -> None:
        with contextlib.suppress(InvalidStateError):
            run.set_result(Outcome(True, shown="x"))

    plugin.cache, plugin.results, plugin.keys = Cache(tmp_path, "cpu"), {"page": run}, {"page": "key"}
    plugin._idle = deque([lambda: done.append("first"), finish, done.clear])
    timer = threading.Timer(10, finish)  # if MkDocs did not do the queued work, the run ends anyway
    timer.start()
    try:
        assert plugin._outcome("page").shown == "x"
    finally:
        timer.cancel()  # the process need not wait for it at exit
    assert done == ["first"]
    assert len(plugin._idle) == 1  # the run was there: MkDocs went on with the page
    assert plugin.cache.get("key").shown == "x"


def test_search_segments_chinese_without_loading_jiebas_dictionary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Material segments Han text with jieba; the plugin gives it a SubsetSegmenter, whose entries
    for the pages' Han text are looked up while waiting (jieba's own dictionary: 0.8-1.5 s to load).
    A site without Han text looks nothing up; one with a dictionary of its own keeps jieba's."""
    from collections import deque

    import jieba
    import material.plugins.search.plugin as material_search
    from mkdocs.structure.files import get_files

    from dlref.mkdocs_plugin import _han_runs, _search_plugin
    from dlref.publish.segmenter import SubsetSegmenter

    project = small_project(tmp_path, {"index.md": "# Home\n", "glossary.md": "# Terms\n\n| tensor | 张量 |\n"})
    settings = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    settings["plugins"] = ["dlref", "search"]
    (project / "mkdocs.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    config = load_config(str(project / "mkdocs.yml"))
    assert _han_runs(get_files(config)) == ["张量"]
    (project / "docs/glossary.md").write_text("# Terms\n\n| tensor | tenseur |\n", encoding="utf-8")
    assert _han_runs(get_files(config)) == []

    plugin = config.plugins["dlref"]
    monkeypatch.setattr(material_search, "jieba", jieba)  # as Material imported it
    monkeypatch.setattr(jieba.dt, "initialized", False)  # as in a process that has not loaded it yet
    for runs, looked_up in [([], False), (["张量"], True)]:  # the same segmenter for both builds
        plugin.ran, plugin._idle = ["docs/index.md"], deque()
        plugin._while_waiting(config, runs)
        segmenter = material_search.jieba
        assert isinstance(segmenter, SubsetSegmenter)
        assert len(plugin._idle) == looked_up
        for work in plugin._idle:
            work()
        assert (segmenter.entries > 0) == looked_up
    assert list(segmenter.cut("张量".encode())) == ["张量"]
    assert not jieba.dt.initialized

    # Where Material meets the text before the look-up ahead runs, the first sentence's look-up
    # covers every page's characters: one read, not one per sentence with a new character.
    plugin.ran, plugin._idle = ["docs/index.md"], deque()
    plugin._while_waiting(config, ["形状", "梯度"])
    reads = segmenter.reads
    assert [list(segmenter.cut(run)) for run in ["形状", "梯度", "梯度形状"]] == [["形状"], ["梯度"], ["梯度", "形状"]]
    assert segmenter.reads == reads + 1

    search = _search_plugin(config)
    monkeypatch.setitem(search.config, "jieba_dict_user", str(tmp_path / "words.txt"))
    plugin.ran, plugin._idle = ["docs/index.md"], deque()
    plugin._while_waiting(config, ["张量"])
    assert material_search.jieba is jieba
    assert list(plugin._idle) == [jieba.initialize]


def _load_then_convert(config_file: str, variable: str | None) -> dict[str, object]:
    """In a fresh process: load ``config_file``, then read mkdocs-jupyter's converter as its render does.

    What was imported after loading, how many exporters nbconvert made when the converter ran, and
    ``$NBCONVERT_DISABLE_CONFIG_EXPORTERS`` after.
    """
    import sys

    assert "nbconvert" not in sys.modules
    assert "mkdocs_jupyter.convert" not in sys.modules
    os.environ.pop("NBCONVERT_DISABLE_CONFIG_EXPORTERS", None)
    if variable is not None:
        os.environ["NBCONVERT_DISABLE_CONFIG_EXPORTERS"] = variable
    load_config(config_file)
    after_load = sorted(name for name in sys.modules if name.split(".")[0] == "nbconvert")
    if after_load:
        return {"nbconvert after loading": after_load}
    import mkdocs_jupyter.plugin
    import nbconvert.exporters.base as exporters  # the package, not its application
    from nbconvert.exporters.templateexporter import TemplateExporter

    made = []
    get_exporter = exporters.get_exporter
    exporters.get_exporter = lambda *args, **kwargs: made.append(args) or get_exporter(*args, **kwargs)
    converts = callable(mkdocs_jupyter.plugin.convert.nb2html)  # the first read runs the module
    return {
        "nbconvert after loading": after_load,
        "converts": converts,
        "exporters made": len(made),
        "application": "nbconvert.nbconvertapp" in sys.modules,
        "templates shared": getattr(TemplateExporter._create_environment, "dlref_shared", False),
        "variable": os.environ.get("NBCONVERT_DISABLE_CONFIG_EXPORTERS"),
    }


@pytest.mark.parametrize("variable", [None, ""])
def test_nbconvert_is_imported_when_a_notebook_is_converted_and_makes_no_exporter(
    tmp_path: Path, variable: str | None
) -> None:
    """mkdocs-jupyter imports its converter, and with it nbconvert, when MkDocs loads it: 0.6-0.7 s
    of a warm build that converts no notebook. The dlref plugin, loaded first, defers the converter
    until mkdocs-jupyter first reads it. Then nbconvert's command-line app, whose help text made
    every installed exporter twice, is imported with nbconvert's switch for that set for the import
    only (the variable is left as it was), and the notebook templates are shared."""
    project = small_project(tmp_path, {"index.md": "# Home\n"}, notebooks=True)
    assert forkserver.call(_load_then_convert, str(project / "mkdocs.yml"), variable) == {
        "nbconvert after loading": [],
        "converts": True,
        "exporters made": 0,
        "application": True,
        "templates shared": True,
        "variable": variable,
    }


def _convert_both_ways(notebook: str) -> tuple[str, str, bool]:
    """In a fresh process: mkdocs-jupyter's conversion of ``notebook`` as it is, then as the build wraps it."""
    from mkdocs_jupyter import convert
    from nbconvert.exporters import html as exporter

    from dlref.mkdocs_plugin import _convert_without_soup

    as_it_is = convert.nb2html(notebook)
    parse = exporter.BeautifulSoup
    _convert_without_soup(convert)
    _convert_without_soup(convert)  # a second build in the process (mkdocs serve) wraps nothing more
    return as_it_is, convert.nb2html(notebook), exporter.BeautifulSoup is parse


def test_a_notebook_page_is_the_same_without_nbconverts_own_parse(tmp_path: Path) -> None:
    """nbconvert's HTMLExporter parses and prints again every page it makes, to give images without
    alt text a placeholder and outputs a ``tabindex`` (0.5 s of a cold build's CPU); the build skips
    that pass and ``slim_notebook``, which parses the page anyway, does the same: the page is the
    same, byte for byte. It fails if nbconvert's pass comes to do anything else."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
    from pymdownx.slugs import slugify

    from dlref.publish.html import slim_notebook

    png = base64.b64encode(b"\x89PNG-bytes").decode()
    notebook = new_notebook(
        cells=[
            new_markdown_cell('# A page\n\nA linked image: <img src="diagram.png">'),
            new_code_cell("print('x' * 300)", outputs=[new_output("stream", name="stdout", text="x" * 300 + "\n")]),
            new_code_cell("fig", outputs=[new_output("display_data", data={"image/png": png, "text/plain": "Figure"})]),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )
    path = tmp_path / "page.ipynb"
    nbformat.write(notebook, path)
    as_it_is, skipped, restored = forkserver.call(_convert_both_ways, str(path))
    assert restored  # nbconvert's exporter has its BeautifulSoup back once the notebook is converted
    assert as_it_is.count("No description has been provided for this image") == 2
    assert "No description" not in skipped
    assert as_it_is.count('tabindex="0"') - skipped.count('tabindex="0"') == 5  # three cells' inputs, two outputs
    slugs = slugify(case="lower")
    slim = slim_notebook(skipped, slugs, image_prefix="page")
    assert slim == slim_notebook(as_it_is, slugs, image_prefix="page")
    assert '<img alt="No description has been provided for this image" src="diagram.png"/>' in slim.html
    assert '<img alt="Figure 1" src="page-1.png"/>' in slim.html
    assert slim.html.count('tabindex="0"') == 2  # the outputs, not the inputs


def test_a_deferred_module_runs_once_when_a_name_of_it_is_first_read(tmp_path: Path) -> None:
    """``_defer_import``: ``import m`` and ``from package import m`` leave it unrun, as the import
    system's read of ``__spec__`` does; the first other read runs ``first``, then the module, once,
    in the same module object, then ``then``, before the name is read."""
    package = tmp_path / "deferred_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("import builtins\nbuiltins.dlref_ran.append('mod')\nVALUE = 42\n")
    forkserver.call(_defer_and_read, str(tmp_path))


def _defer_and_read(folder: str) -> None:
    import builtins
    import importlib
    import sys

    from dlref.mkdocs_plugin import _defer_import

    sys.path.insert(0, folder)
    builtins.dlref_ran = []

    def then(module) -> None:
        builtins.dlref_ran.append(f"then, VALUE {module.VALUE}")
        module.VALUE += 1  # what the first read gets

    assert _defer_import("deferred_pkg.mod", first=lambda: builtins.dlref_ran.append("first"), then=then)
    assert not _defer_import("deferred_pkg.mod")  # already there
    assert not _defer_import("no_such_package.mod")
    assert not _defer_import("no_such_module")
    deferred = sys.modules["deferred_pkg.mod"]
    import deferred_pkg.mod
    from deferred_pkg import mod

    assert importlib.import_module("deferred_pkg.mod") is mod is deferred_pkg.mod is deferred
    assert builtins.dlref_ran == []
    assert mod.VALUE == 43
    assert deferred.VALUE == 43
    assert builtins.dlref_ran == ["first", "mod", "then, VALUE 42"]
    assert type(mod) is type(sys)
    assert mod.__name__ == "deferred_pkg.mod"
