"""The runner: kernel-free notebooks give what a kernel gives; the cache re-runs exactly what changed,
and no result is stored from code older than its key."""

from __future__ import annotations

import importlib.metadata
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from dlref_site import cache, forkserver
from dlref_site.cache import CACHE_ENV_VAR, Store, fingerprint
from dlref_site.notebooks import stable_cell_ids
from dlref_site.runner import JOBS_ENV_VAR, Outcome, Runner, run_notebook, run_page, run_script

ROOT = Path(__file__).resolve().parents[2]
TAG = Runner(ROOT, device="cpu").prefix  # the test run's server (tests/conftest.py) has this tag


def submit(task, *args):
    """Run ``task(*args)`` in a fresh process from the test run's server, as the runner does."""
    from dlref_site.runner import submit as run_in_fresh_process

    return run_in_fresh_process(task, *args, tag=TAG)


def run_markdown_page(name: str, text: str) -> Outcome:
    return run_page(name, text, [str(ROOT)], True)


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
    outcome = submit(run_notebook, str(path), True).result()
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
    outcome = submit(run_notebook, str(path)).result()
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
    outcome = submit(run_notebook, str(path)).result()
    assert outcome.passed, outcome.report
    cells = [cell for cell in nbformat.reads(outcome.shown, as_version=4).cells if cell.cell_type == "code"]
    assert cells[2].outputs[0].text == "x = 6 * 7 42 42\n"
    assert not list(home.rglob("history.sqlite"))


def test_a_cell_that_raises_stops_the_notebook_and_is_named_by_the_line_that_raised(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text(
        "# %%\nx = 1\n\n# %%\ny = 2\ndef f():\n    return {}['missing']\nf()\n\n# %%\nprint('never')\n",
        encoding="utf-8",
    )
    outcome = submit(run_notebook, str(path)).result()
    assert not outcome.passed
    assert outcome.report.startswith(f"{path}:7: cell 2 raised")  # the line that raised, in the cell's f
    assert "KeyError: 'missing'" in outcome.report
    assert "never" not in outcome.report.split("KeyError")[-1]
    assert "\x1b[" not in outcome.report  # no terminal colours in the build's error


WALKTHROUGH = """# %% [markdown]
# # Loss

# %%
import math
loss = 0.123456
print(f"loss {loss:.4f}")

# %%
x = 3

# %%
[round(math.pi, 5), "done"]
"""


def walkthrough_project(tmp_path: Path, text: str = WALKTHROUGH) -> tuple[Runner, Path]:
    """A project with one walkthrough (``docs/w.py``) and the reference pins: outputs compared exactly."""
    shutil.copy(ROOT / "constraints.txt", tmp_path / "constraints.txt")
    (tmp_path / "docs").mkdir()
    path = tmp_path / "docs" / "w.py"
    path.write_text(text, encoding="utf-8")
    runner = Runner(tmp_path, device="cpu", cache_dir=tmp_path / "cache")
    assert runner.exact
    return runner, path


def test_a_walkthroughs_outputs_are_stored_beside_it_and_checked(tmp_path: Path) -> None:
    runner, path = walkthrough_project(tmp_path)
    outcome = runner.notebook(path).result()  # nothing stored yet: what it prints is unchecked
    assert not outcome.passed
    assert "docs/w.py:4: cell 1 printed what w.outputs.txt does not show" in outcome.report
    assert "docs/w.py:12: cell 3" in outcome.report

    update = runner.update_notebook(path).result()
    assert list(update.rewrites) == ["docs/w.outputs.txt"]
    stored = update.rewrites["docs/w.outputs.txt"]
    assert "=== cell 1, line 4 ===\nloss 0.1235\n\n=== cell 3, line 12 ===\n[3.14159, 'done']\n" in stored
    (tmp_path / "docs" / "w.outputs.txt").write_text(stored, encoding="utf-8")
    outcome = runner.notebook(path).result()
    assert outcome.passed, outcome.report
    assert nbformat.reads(outcome.shown, as_version=4).cells[1].outputs[0].text == "loss 0.1235\n"

    # The key covers the stored outputs: editing them is never answered from the cache.
    (tmp_path / "docs" / "w.outputs.txt").write_text(stored.replace("0.1235", "0.1234"), encoding="utf-8")
    outcome = runner.notebook(path).result()
    assert not outcome.passed
    assert "Expected:\n    loss 0.1234\nGot:\n    loss 0.1235" in outcome.report
    assert "first difference at line 1, column 11" in outcome.report


def test_a_walkthroughs_numbers_are_exact_on_the_reference_platform_and_within_tolerance_elsewhere(
    tmp_path: Path,
) -> None:
    runner, path = walkthrough_project(tmp_path)
    stored = runner.update_notebook(path).result().rewrites["docs/w.outputs.txt"].replace("3.14159", "3.14160")
    assert not submit(run_notebook, str(path), False, stored, True).result().passed
    assert submit(run_notebook, str(path), False, stored, False).result().passed
    assert not submit(run_notebook, str(path), False, stored.replace("done", "dome"), False).result().passed


def test_update_rewrites_only_what_changed_and_renumbers_moved_cells(tmp_path: Path) -> None:
    runner, path = walkthrough_project(tmp_path)
    stored = runner.update_notebook(path).result().rewrites["docs/w.outputs.txt"]
    (tmp_path / "docs" / "w.outputs.txt").write_text(stored, encoding="utf-8")
    assert runner.update_notebook(path).result().rewrites == {}  # current: nothing to write
    path.write_text(WALKTHROUGH.replace("# %%\nx = 3\n", "# %%\nx = 3\ny = 4\n"), encoding="utf-8")
    moved = runner.update_notebook(path).result()
    assert moved.passed  # the same outputs; the last cell's line is one further down
    assert moved.rewrites["docs/w.outputs.txt"] == stored.replace("line 12", "line 13")


def test_a_walkthrough_that_prints_a_header_like_line_is_refused(tmp_path: Path) -> None:
    runner, path = walkthrough_project(tmp_path, '# %%\nprint("=== cell 1, line 1 ===")\n')
    outcome = runner.update_notebook(path).result()
    assert not outcome.passed
    assert "looks like this file's headers" in outcome.report


def test_giving_pytest_a_walkthrough_collects_it_once_as_a_page() -> None:
    import subprocess
    import sys

    page, translation = "docs/training/linear-regression.py", "docs/training/linear-regression.zh.py"
    found = subprocess.run(  # -s: a cell run while collecting would print here
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-s", "-n", "0", page, translation],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode == 0, found.stdout + found.stderr
    assert [line for line in found.stdout.splitlines() if "::" in line] == [
        f"{page}::notebook",
        f"{translation}::notebook",
    ]
    stored = (ROOT / "docs/training/linear-regression.outputs.txt").read_text(encoding="utf-8").splitlines()
    printed = [line for line in stored if len(line) > 12 and not line.startswith(("#", "=== cell"))]
    assert printed
    assert not [line for line in printed if line in found.stdout], "collecting ran the page's cells"


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


def test_the_cache_key_covers_text_name_comparison_and_device(tmp_path: Path) -> None:
    runner = Runner(ROOT, device="cpu", cache_dir=tmp_path)
    key = runner.key("page", "docs/a.md", PAGE)
    assert key == Runner(ROOT, device="cpu", cache_dir=tmp_path).key("page", "docs/a.md", PAGE)
    assert key != runner.key("page", "docs/a.md", PAGE.replace("42", "42 "))
    assert key != runner.key("page", "docs/b.md", PAGE)
    assert key != runner.key("notebook", "docs/a.md", PAGE)
    assert key != Runner(ROOT, device="cuda:0", cache_dir=tmp_path).key("page", "docs/a.md", PAGE)
    assert Runner(tmp_path, device="cpu").tolerance  # no constraints.txt there: not the reference platform


@pytest.mark.parametrize("variable", ["PYTHONHASHSEED", "OMP_NUM_THREADS", "DLREF_DEVICE", "TZ", "LANG"])
def test_environment_variables_that_change_output_change_the_key(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hash seeds order sets, thread counts split sums, the device changes kernels."""
    monkeypatch.delenv(variable, raising=False)
    before = fingerprint("cpu")
    monkeypatch.setenv(variable, "173")
    assert fingerprint("cpu") != before
    monkeypatch.setenv("DLREF_FORK_SERVER", "x@/elsewhere")  # where the server is changes no output
    monkeypatch.setenv("DLREF_CACHE_DIR", "/elsewhere")
    assert fingerprint("cpu") == fingerprint("cpu")


def test_the_terminal_size_never_reaches_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """pandas sizes its tables by COLUMNS and LINES: a page prints the same whoever builds it."""
    page = (
        "```pycon\n>>> import os, pandas as pd\n>>> os.environ.get('COLUMNS'), os.environ.get('LINES')\n(None, None)\n"
        ">>> pd.DataFrame([range(30)]).shape\n(1, 30)\n```\n"
    )
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setenv("LINES", "10")
    runner = Runner(ROOT, device="cpu", cache_dir=None)
    outcome = runner.page("docs/columns.md", page).result()
    assert outcome.passed, outcome.report


def _copy_of_the_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    copies = []
    for package in cache.PACKAGES:
        copies.append(tmp_path / package.name)
        shutil.copytree(package, copies[-1], ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGES", tuple(copies))
    return copies


@pytest.mark.parametrize("package", [0, 1], ids=["dlref_site", "dlref"])
def test_changing_any_library_or_machinery_source_changes_the_fingerprint(
    package: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copies = _copy_of_the_packages(tmp_path, monkeypatch)
    before = fingerprint("cpu")
    assert before == fingerprint("cpu")
    target = sorted(copies[package].rglob("*.py"))[-1]
    target.write_text(target.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert fingerprint("cpu") != before


def test_a_library_edit_in_a_long_lived_process_reruns_pages_on_a_new_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``mkdocs serve``: one process builds again after a source changes. The next build's key is new,
    so the page runs again, and its process is forked from a new server, not from the one that
    imported the old sources (whose result would be stored under the new key)."""
    copies = _copy_of_the_packages(tmp_path, monkeypatch)
    monkeypatch.delenv(forkserver.ENV_VAR, raising=False)  # this process's own servers, as serve has
    monkeypatch.setattr("dlref_site.runner.PRELOAD", [])  # servers that start at once: a page imports torch
    store = tmp_path / "cache"
    first = Runner(ROOT, device="cpu", cache_dir=store)
    assert first.page("docs/a.md", PAGE).result().passed
    server = first_server = forkserver.address()
    again = Runner(ROOT, device="cpu", cache_dir=store)
    assert again.page("docs/a.md", PAGE).result().passed
    assert (again.ran, forkserver.address()) == ([], server)  # nothing changed: from the cache
    device = copies[1] / "device.py"
    device.write_text(device.read_text(encoding="utf-8") + "\n# edited while serving\n", encoding="utf-8")
    edited = Runner(ROOT, device="cpu", cache_dir=store)
    assert edited.page("docs/a.md", PAGE).result().passed
    assert edited.ran == ["docs/a.md"]
    assert forkserver.address() != first_server
    forkserver.stop()


def test_installing_or_upgrading_a_distribution_changes_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The installed versions are read again only when a folder of ``sys.path`` has changed."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = fingerprint("cpu")
    read = []
    distributions = importlib.metadata.distributions
    monkeypatch.setattr(importlib.metadata, "distributions", lambda: read.append(1) or distributions())
    assert fingerprint("cpu") == before
    assert read == []  # nothing changed: the list is kept
    for version in ("1.0", "1.1"):
        for old in tmp_path.glob("*.dist-info"):
            shutil.rmtree(old)
        info = tmp_path / f"dlref_fake-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: dlref-fake\nVersion: {version}\n", encoding="utf-8"
        )
        after = fingerprint("cpu")
        assert after != before, version
        before = after
    assert len(read) == 2


def test_only_passing_outcomes_are_kept(tmp_path: Path) -> None:
    runner = Runner(ROOT, device="cpu", cache_dir=tmp_path)
    assert runner.page("docs/a.md", PAGE).result().passed
    assert not runner.page("docs/b.md", PAGE.replace("42", "41")).result().passed
    assert len(list(tmp_path.glob("*.json"))) == 1
    assert runner.store.get(runner.page_key("docs/a.md", PAGE))["outputs"] == ["42\n"]


def test_a_damaged_or_truncated_entry_is_a_miss_and_is_replaced(tmp_path: Path) -> None:
    runner = Runner(ROOT, device="cpu", cache_dir=tmp_path)
    key = runner.page_key("docs/a.md", PAGE)
    (tmp_path / f"{key}.json").write_text('{"passed": tr', encoding="utf-8")
    assert runner.store.get(key) is None
    assert runner.page("docs/a.md", PAGE).result().passed
    assert runner.ran == ["docs/a.md"]
    assert runner.store.get(key)["passed"] is True


def test_old_entries_are_pruned(tmp_path: Path) -> None:
    import os
    import time

    store = Store(tmp_path)
    store.put("old", {"passed": True})
    store.put("new", {"passed": True})
    (tmp_path / "left.123.tmp").write_text("{", encoding="utf-8")  # a writer that died
    long_ago = time.time() - 30 * 86400
    for name in ("old.json", "left.123.tmp"):
        os.utime(tmp_path / name, (long_ago, long_ago))
    assert store.prune() == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.json"]


def test_the_cache_can_be_switched_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV_VAR, "0")
    monkeypatch.setenv("DLREF_CACHE_DIR", str(tmp_path))
    runner = Runner(ROOT, device="cpu")
    assert runner.page("docs/a.md", PAGE).result().passed
    assert runner.page("docs/a.md", PAGE).result().passed
    assert runner.ran == ["docs/a.md", "docs/a.md"]
    assert list(tmp_path.iterdir()) == []


def test_a_bad_job_count_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from dlref_site.runner import jobs

    monkeypatch.setenv(JOBS_ENV_VAR, "two")
    with pytest.raises(ValueError, match="DLREF_JOBS='two': expected a positive whole number"):
        jobs()


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
    """dlref_site.warm: the modules a notebook's process imports, nbformat's validator compiled,
    matplotlib's mathtext parser built, and no figure left for pyplot."""
    from dlref_site.warm import MODULES

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
    from dlref_site.runner import _run_in_new_process

    outcome = _run_in_new_process(_exit_now, ("docs/exits.md",), TAG)
    assert not outcome.passed
    assert outcome.report.startswith("docs/exits.md: ")
    assert "SystemExit: 4" in outcome.report


def _exit_now(name: str) -> Outcome:
    raise SystemExit(4)


def test_a_cache_that_cannot_be_written_leaves_no_caller_waiting(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    runner = Runner(ROOT, device="cpu", cache_dir=blocked)
    assert runner.page("docs/a.md", PAGE).result(timeout=120).passed
