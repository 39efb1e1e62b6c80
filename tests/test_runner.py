"""The runner: kernel-free notebooks give what a kernel gives; the cache re-runs exactly what changed."""

from __future__ import annotations

import importlib.metadata
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from dlref.publish.notebook import stable_cell_ids
from dlref.runner import (
    CACHE_ENV_VAR,
    JOBS_ENV_VAR,
    Cache,
    Outcome,
    _environment_fingerprint,
    _source_fingerprint,
    run_markdown_page,
    run_notebook_page,
    run_script,
    submit,
)

PAGE = "```pycon\n>>> 6 * 7\n42\n```\n"

# One cell per kind of output a kernel sends: a stream, Python's repr as page notebooks ask for it,
# an error (the next cells still run, as with nbclient's allow_errors), an expression's value, a rich
# value with HTML, an explicit display(), stderr from a warning, a figure, a value hidden by a
# semicolon, and prints interleaved with a display. The value is a NumPy array, not a tensor: its
# plain-text repr reaches the notebook the same way, and the kernel, a process of its own, would
# spend about 2 s of CPU importing torch for it.
NOTEBOOK = """# %% [markdown]
# # Outputs

# %%
print("hello"); print("world")

# %%
%config PlainTextFormatter.pprint = False
(int, {"b": 1, "a": 2})

# %%
{}["missing"]

# %%
import numpy as np
np.arange(3) * 2

# %%
import pandas as pd
pd.DataFrame({"a": [1, 2], "b": [0.5, 1.5]})

# %%
from IPython.display import display, Markdown
display(Markdown("**bold**"))
1 + 1

# %%
import warnings
warnings.warn("careful", UserWarning)

# %%
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(2, 2))
ax.plot([0, 1], [1, 0]);

# %%
print("before"); display(3); print("after")
"""


def shape_of(notebook: nbformat.NotebookNode) -> list[list[tuple]]:
    """Each code cell's outputs, as kind, stream name or MIME types, and their text."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.outputs:
            if output.output_type == "stream":
                outputs.append(("stream", output.name, output.text.split("UserWarning")[-1]))
            elif output.output_type in ("execute_result", "display_data"):
                outputs.append((output.output_type, sorted(output.data), output.data.get("text/plain")))
            else:
                outputs.append((output.output_type, output.ename, output.evalue))
        cells.append(outputs)
    return cells


def test_a_notebook_gets_the_outputs_a_kernel_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))  # the kernel's history: not in the user's
    path = tmp_path / "outputs.py"
    path.write_text(NOTEBOOK, encoding="utf-8")
    outcome = submit(run_notebook_page, str(path), True).result()
    assert outcome.passed, outcome.report
    ours = nbformat.reads(outcome.shown, as_version=4)
    nbformat.validate(ours)

    import jupytext

    theirs = jupytext.read(path)
    # the same text gives the same notebook: cell ids from the cells, not jupytext's random ones
    assert [cell.id for cell in ours.cells] == [cell.id for cell in stable_cell_ids(jupytext.read(path)).cells]
    assert [cell.id for cell in ours.cells] != [cell.id for cell in theirs.cells]
    kernel = NotebookClient(
        theirs, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}
    )
    kernel.execute()
    assert shape_of(ours) == shape_of(theirs)
    assert shape_of(ours)[1] == [("execute_result", ["text/plain"], "(<class 'int'>, {'b': 1, 'a': 2})")]
    assert shape_of(ours)[2] == [("error", "KeyError", "'missing'")]
    code = [cell for cell in ours.cells if cell.cell_type == "code"]
    traceback = "\n".join(code[2].outputs[0].traceback)  # Plain: the cell's frame, then the error
    assert "Cell In[3], line 1" in traceback
    assert traceback.rstrip().endswith("KeyError: 'missing'")
    assert [c.execution_count for c in ours.cells if c.cell_type == "code"] == list(range(1, 10))
    figure = ours.cells[8].outputs[0]
    assert figure.output_type == "display_data"
    assert figure.data["image/png"].startswith("iVBORw0KGgo")  # base64 PNG, as nbformat stores it
    assert figure.data["image/png"] == theirs.cells[8].outputs[0].data["image/png"]  # the kernel's, byte for byte


def test_a_figure_is_rendered_once_for_its_cell(tmp_path: Path) -> None:
    """pyplot's after-cell hook draws each changed figure again for a window to show, which the
    inline backend has not: that drawing was thrown away, then the figure rendered for its PNG (the
    same PNG as a kernel's, above)."""
    path = tmp_path / "figure.py"
    path.write_text(
        "# %%\nfrom matplotlib.backends.backend_agg import FigureCanvasAgg\nrenders = []\n"
        "draw = FigureCanvasAgg.draw\n"
        "FigureCanvasAgg.draw = lambda canvas, *args: renders.append(canvas) or draw(canvas, *args)\n\n"
        "# %%\nimport matplotlib.pyplot as plt\nplt.plot([0, 1]);\n\n"
        "# %%\nfrom IPython.core.pylabtools import print_figure\nshown = len(renders)\n"
        "figure = plt.figure()\nplt.plot([0, 1])\nplt.close(figure)\nrenders.clear()\n"
        'print_figure(figure, "png", bbox_inches="tight")  # what the inline backend does for the PNG\n'
        "print(shown, len(renders))\n",
        encoding="utf-8",
    )
    outcome = submit(run_notebook_page, str(path)).result()
    assert outcome.passed, outcome.report
    cells = [cell for cell in nbformat.reads(outcome.shown, as_version=4).cells if cell.cell_type == "code"]
    assert [output.output_type for output in cells[1].outputs] == ["display_data"]
    shown, saved = cells[2].outputs[0].text.split()
    assert shown == saved  # was one more


def test_running_a_notebook_leaves_the_users_ipython_history_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kernel-free run keeps ``In`` and ``Out`` but writes no history.sqlite (the reader's own)."""
    home = tmp_path / "ipython"
    monkeypatch.setenv("IPYTHONDIR", str(home))
    path = tmp_path / "history.py"
    path.write_text("# %%\nx = 6 * 7\n\n# %%\nx\n\n# %%\nprint(In[1], Out[2], _)\n", encoding="utf-8")
    outcome = submit(run_notebook_page, str(path)).result()
    assert outcome.passed, outcome.report
    cells = [cell for cell in nbformat.reads(outcome.shown, as_version=4).cells if cell.cell_type == "code"]
    assert cells[2].outputs[0].text == "x = 6 * 7 42 42\n"
    assert not list(home.rglob("history.sqlite"))


def test_a_cell_that_raises_stops_the_notebook_and_is_named(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("# %%\nx = 1\n\n# %%\n{}['missing']\n\n# %%\nprint('never')\n", encoding="utf-8")
    outcome = submit(run_notebook_page, str(path)).result()
    assert not outcome.passed
    assert f"{path}, cell 2:" in outcome.report
    assert "KeyError: 'missing'" in outcome.report
    assert "\x1b[" not in outcome.report  # no terminal colours in the build's error


def test_each_page_runs_in_a_fresh_process() -> None:
    change = "```pycon\n>>> import torch\n>>> torch.set_default_dtype(torch.float64)\n```\n"
    see = "```pycon\n>>> import torch\n>>> torch.get_default_dtype()\ntorch.float32\n```\n"
    assert submit(run_markdown_page, "change.md", change).result().passed
    outcome = submit(run_markdown_page, "see.md", see).result()
    assert outcome.passed, outcome.report


def test_a_page_that_differs_reports_file_and_line() -> None:
    outcome = submit(run_markdown_page, "docs/wrong.md", "```pycon\n>>> 6 * 7\n41\n```\n").result()
    assert not outcome.passed
    assert "docs/wrong.md:2: example did not show what the page shows" in outcome.report


def test_the_cache_key_covers_text_name_and_device(tmp_path: Path) -> None:
    cache = Cache(tmp_path, device="cpu")
    key = cache.key("page", "docs/a.md", PAGE)
    assert key == Cache(tmp_path, device="cpu").key("page", "docs/a.md", PAGE)
    assert key != cache.key("page", "docs/a.md", PAGE.replace("42", "42 "))
    assert key != cache.key("page", "docs/b.md", PAGE)
    assert key != cache.key("notebook", "docs/a.md", PAGE)
    assert key != Cache(tmp_path, device="cuda:0").key("page", "docs/a.md", PAGE)


def test_changing_any_dlref_source_changes_the_fingerprint(tmp_path: Path) -> None:
    package = tmp_path / "dlref"
    shutil.copytree(Path(_source_fingerprint.__code__.co_filename).parent, package)
    before = _source_fingerprint(package)
    assert before == _source_fingerprint(package)
    target = package / "tensors" / "creation.py"
    target.write_text(target.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert _source_fingerprint(package) != before


def test_installing_or_upgrading_a_distribution_changes_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The installed versions are read again only when a folder of ``sys.path`` has changed."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = _environment_fingerprint("cpu")
    read = []
    distributions = importlib.metadata.distributions
    monkeypatch.setattr(importlib.metadata, "distributions", lambda: read.append(1) or distributions())
    assert _environment_fingerprint("cpu") == before
    assert read == []  # nothing changed: the list is kept
    for version in ("1.0", "1.1"):
        for old in tmp_path.glob("*.dist-info"):
            shutil.rmtree(old)
        info = tmp_path / f"dlref_fake-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: dlref-fake\nVersion: {version}\n", encoding="utf-8"
        )
        after = _environment_fingerprint("cpu")
        assert after != before, version
        before = after
    assert len(read) == 2


def test_only_passing_outcomes_are_kept(tmp_path: Path) -> None:
    cache = Cache(tmp_path, device="cpu")
    passing, failing = cache.key("page", "a.md", PAGE), cache.key("page", "b.md", PAGE)
    cache.put(passing, Outcome(True, shown=PAGE))
    cache.put(failing, Outcome(False, report="a.md:2: wrong"))
    assert cache.get(passing) == Outcome(True, shown=PAGE)
    assert cache.get(failing) is None


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    cache = Cache(tmp_path, device="cpu")
    key = cache.key("page", "a.md", PAGE)
    (tmp_path / f"{key}.json").write_text('{"passed": tr', encoding="utf-8")
    assert cache.get(key) is None


def test_the_cache_can_be_switched_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV_VAR, "0")
    cache = Cache(tmp_path, device="cpu")
    key = cache.key("page", "a.md", PAGE)
    cache.put(key, Outcome(True, shown=PAGE))
    assert cache.get(key) is None
    assert list(tmp_path.iterdir()) == []


def test_the_runner_examples_pass_with_the_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """``DLREF_CACHE=0 mkdocs build`` runs these examples too (the API page); they once failed there."""
    import dlref.runner
    from dlref.engine import run_docstrings

    monkeypatch.setenv(CACHE_ENV_VAR, "0")
    runs = run_docstrings(dlref.runner)
    assert runs
    assert [run.report() for run in runs if not run.passed] == []


def test_a_bad_job_count_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from dlref.runner import _jobs

    monkeypatch.setenv(JOBS_ENV_VAR, "two")
    with pytest.raises(ValueError, match="DLREF_JOBS='two': expected a positive whole number"):
        _jobs()


def test_a_page_that_kills_its_process_fails_alone_and_the_next_one_runs() -> None:
    killer = "```pycon\n>>> import os\n>>> os._exit(3)\n```\n"
    crashed = submit(run_markdown_page, "docs/killer.md", killer).result()
    assert not crashed.passed
    assert crashed.report == "docs/killer.md: the process running it crashed (see the fault dump above)"
    assert submit(run_markdown_page, "docs/fine.md", PAGE).result().passed


def test_a_script_runs_as_main_in_its_folder_with_fresh_globals(tmp_path: Path) -> None:
    code = "import os, pathlib\nassert __name__ == '__main__' and 'torch' not in dir()\n"
    code += "pathlib.Path('out').write_text(os.getcwd())\n"
    outcome = submit(run_script, "copied.py", code, str(tmp_path)).result()
    assert outcome.passed, outcome.report
    assert (tmp_path / "out").read_text() == str(tmp_path)


@pytest.mark.parametrize(
    ("code", "report"),
    [
        ("x = 1\ntorch.zeros(2)\n", 'File "copied.py", line 2'),  # torch preloaded, yet not imported here
        ("import sys\nsys.exit(2)\n", "copied.py: exited with status 2"),
    ],
)
def test_a_script_that_raises_or_exits_with_an_error_fails(tmp_path: Path, code: str, report: str) -> None:
    outcome = submit(run_script, "copied.py", code, str(tmp_path)).result()
    assert not outcome.passed
    assert report in outcome.report


def test_each_process_starts_with_what_the_fork_server_did_once(tmp_path: Path) -> None:
    """dlref._preload: the modules a notebook's process imports, nbformat's validator compiled,
    matplotlib's mathtext parser built, and no figure left for pyplot."""
    from dlref._preload import MODULES

    code = (
        "import sys\n"
        f"missing = [name for name in {list(MODULES)!r} + ['PIL.PngImagePlugin'] if name not in sys.modules]\n"
        "import nbformat.validator\n"
        "compiled = nbformat.validator.validators  # nbformat's cache of compiled validators\n"
        "from matplotlib.mathtext import MathTextParser\n"
        "import matplotlib.pyplot as plt\n"
        "parser = MathTextParser._parser\n"
        "figures = plt.get_fignums()\n"
        "done = not missing and compiled and parser is not None and figures == []\n"
        "sys.exit(0 if done else f'not done in the fork server: {missing}, {compiled}, {parser}, {figures}')\n"
    )
    outcome = submit(run_script, "check.py", code, str(tmp_path)).result()
    assert outcome.passed, outcome.report


def test_a_page_that_exits_fails_alone_with_a_report() -> None:
    """What the task lets through (SystemExit from an example) fails that page, with its traceback."""
    from dlref.runner import _run_in_new_process

    outcome = _run_in_new_process(_exit_now, ("docs/exits.md",))
    assert not outcome.passed
    assert outcome.report.startswith("docs/exits.md: ")
    assert "SystemExit: 4" in outcome.report


def _exit_now(name: str) -> Outcome:
    raise SystemExit(4)
