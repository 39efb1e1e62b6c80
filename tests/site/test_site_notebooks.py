"""Each page's downloadable notebook, run as a reader runs it, shows the outputs the page shows."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from html_tags import built_folder

from dlref_site.check import check
from dlref_site.examples import parse
from dlref_site.notebooks import PLAIN_REPR, for_readers, output_text, page_notebook
from dlref_site.runner import Runner, run_notebook, submit
from dlref_site.translations import source_of

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Runner(ROOT)


def page_notebooks(site: Path) -> dict[Path, Path]:
    """The ``.ipynb`` next to each built Markdown page with examples, by source page."""
    found = {}
    for source in sorted((ROOT / "docs").rglob("*.md")):
        if not parse(source.read_text(encoding="utf-8"), source.name, [ROOT]).examples:
            continue
        found[source] = built_folder(source, ROOT / "docs", site) / f"{source.name.split('.')[0]}.ipynb"
    return found


def execute_all(notebooks: list[nbformat.NotebookNode], cwd: Path) -> list[nbformat.NotebookNode]:
    """Run each notebook as a reader would, in a fresh process, all at once; return them executed.

    ``dlref_site.notebooks.execute`` records what a Jupyter kernel sends (``tests/test_runner.py``
    checks it against a real kernel) and, like nbclient's ``allow_errors``, goes on after a cell that
    raises: pages show expected exceptions. A kernel per notebook would cost seconds of start-up each.
    """
    paths = []
    for number, notebook in enumerate(notebooks):
        paths.append(cwd / f"notebook-{number}.ipynb")
        nbformat.write(notebook, paths[-1])
    futures = [submit(run_notebook, str(path), False, tag=RUNNER.prefix) for path in paths]  # no error allowed
    executed = []
    for future in futures:
        outcome = future.result()
        assert outcome.passed, outcome.report
        executed.append(nbformat.reads(outcome.shown, as_version=4))
    return executed


def differences(notebook: nbformat.NotebookNode, name: str) -> list[str]:
    """Cells whose output is not what the page shows (checked with the engine's checker)."""
    found = []
    for number, cell in enumerate(notebook.cells, 1):
        if cell.cell_type != "code":
            continue
        expected = cell.metadata.get("dlref")
        printed, error = output_text(cell)
        if expected is None:
            if error or printed:
                found.append(f"{name} cell {number}: expected no output, got {error or printed!r}")
            continue
        rtol = None if RUNNER.exact else expected["rtol"]
        tolerances = {"rtol": rtol, "atol": expected["atol"], "ellipsis": expected["ellipsis"]}
        if expected["exc_msg"] is not None:
            # The cell catches the error and prints it, by its class's name (doctest's form may
            # include the module), so that "Run all" goes on.
            want = re.sub(r"^[\w.]+\.(\w+:)", r"\1", expected["exc_msg"])
            ok = error is None and check(want, printed, **tolerances)
            got = error or printed
        else:
            ok = error is None and check(expected["want"], printed, **tolerances)
            got = error or printed
        if not ok:
            found.append(f"{name} cell {number}:\n{cell.source}\nExpected:\n{expected['want']}Got:\n{got}")
    return found


def code_cells(notebook: nbformat.NotebookNode) -> list[tuple[str, dict]]:
    """Each code cell's source and the output the page shows for it (not the page line it is from)."""
    return [
        (cell.source, {k: v for k, v in cell.metadata.get("dlref", {}).items() if k != "line"})
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


def test_downloaded_notebooks_reproduce_their_pages(built_site: Path, tmp_path: Path) -> None:
    """Each page's notebook is run as a reader would. A translation's notebook has its English
    page's code cells and shown outputs (compared here, not run again)."""
    sources = page_notebooks(built_site)
    assert len(sources) >= 2
    notebooks = {}
    for source, path in sources.items():
        if source_of(source.relative_to(ROOT).as_posix()) is not None:
            continue
        assert path.is_file(), f"{source.relative_to(ROOT)}: no notebook at {path.relative_to(built_site)}"
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        # every example of the page that shows an output is one checked cell of the notebook
        examples = parse(source.read_text(encoding="utf-8"), source.name, [ROOT]).examples
        shown = [example for example in examples if example.want or example.example.exc_msg]
        checked = [cell for cell in notebook.cells if "dlref" in cell.metadata]
        assert len(checked) == len(shown) > 0, source
        notebooks[source] = notebook
    for source, path in sources.items():
        english = source_of(source.relative_to(ROOT).as_posix())
        if english is not None and (ROOT / english) in notebooks:
            translated = nbformat.read(path, as_version=4)
            assert code_cells(translated) == code_cells(notebooks[ROOT / english]), f"{source}: code differs"
    executed = execute_all(list(notebooks.values()), tmp_path)
    failures = [line for source, nb in zip(notebooks, executed, strict=True) for line in differences(nb, source.name)]
    assert not failures, "\n\n".join(failures)


def test_a_notebook_that_shows_a_different_output_fails(tmp_path: Path) -> None:
    page = "# P\n\n```pycon\n>>> 1 + 1\n3\n>>> {}['k']\nTraceback (most recent call last):\n  ...\nKeyError: 'k'\n```\n"
    (notebook,) = execute_all([page_notebook(page)], tmp_path)
    found = differences(notebook, "p.md")
    assert len(found) == 1
    assert "Expected:\n3\nGot:\n2\n" in found[0]


def test_a_downloaded_notebook_runs_all_its_cells_and_starts_with_what_to_install(tmp_path: Path) -> None:
    """A cell that raises on purpose shows its error and the next cell runs; links point at the site."""
    page = (
        "# P\n\nSee [norms](../linalg/norms.md#pitfalls).\n\n```pycon\n>>> {}['k']\n"
        "Traceback (most recent call last):\n  ...\nKeyError: 'k'\n>>> 1 + 1\n2\n```\n"
    )
    notebook = for_readers(page_notebook(page), lambda target: f"https://example.org/{target[3:-3]}/", "W.whl")
    assert notebook.cells[0].cell_type == "markdown"
    assert "pip install torch" in notebook.cells[0].source
    assert "dlref" not in notebook.cells[0].source
    assert "(https://example.org/linalg/norms/#pitfalls)" in notebook.cells[2].source
    (executed,) = execute_all([notebook], tmp_path)
    assert differences(executed, "p.md") == []
    scratch = page_notebook("# P\n\n## From scratch\n\n```pycon\n>>> import dlref\n```\n")
    assert "pip install https://x/W.whl" in for_readers(scratch, wheel="https://x/W.whl").cells[0].source


def test_every_download_starts_with_what_to_install_and_links_to_the_site(built_site: Path) -> None:
    downloads = sorted(built_site.rglob("*.ipynb"))
    assert len(downloads) > 20
    for path in downloads:
        notebook = nbformat.read(path, as_version=4)
        assert "pip install torch" in notebook.cells[0].source, path
        prose = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
        assert not re.findall(r"\]\((?![a-z]+:)[^)]*\.(?:md|py)\b", prose), path


def test_walkthrough_notebooks_are_offered_as_ipynb(built_site: Path) -> None:
    for source in (ROOT / "docs").rglob("*.py"):
        path = built_folder(source, ROOT / "docs", built_site) / f"{source.name.split('.')[0]}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        assert any(cell.cell_type == "code" for cell in notebook.cells)


@pytest.mark.parametrize(
    ("markdown", "cells"),
    [
        ('!!! note "Careful"\n    Text.\n\n    ```pycon\n    >>> 1\n    1\n    ```\n', ["**Careful**\nText.", "1"]),
        ('=== "CPU"\n\n    ```pycon\n    >>> x = 1  # dlref: rtol=1e-3\n    ```\n', ["**CPU**", "x = 1"]),
    ],
)
def test_containers_become_plain_markdown(markdown: str, cells: list[str]) -> None:
    assert [cell.source for cell in page_notebook(markdown).cells] == [PLAIN_REPR, *cells]
