"""A page and its translation share one run: the runner keys a page on its examples, not its prose,
and each page shows its own text with that run's outputs. Processes that share a cache share its
runs too: what one is running, another waits for. Nothing it shows is ever stale."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from dlref_site.examples import parse
from dlref_site.notebooks import as_json
from dlref_site.runner import Runner
from dlref_site.translations import examples_key, merge_notebook, recorded_hash, source_hash, stamp, with_outputs

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = "# Sums\n\nAdd two numbers:\n\n```pycon\n>>> 6 * 7\n42\n>>> print('a\\nb')\na\nb\n```\n"
CHINESE = "---\ntranslated_from: x\n---\n\n" + ENGLISH.replace("# Sums", "# 求和").replace("Add two", "两个")


def test_a_page_and_its_translation_share_one_run(tmp_path: Path) -> None:
    runner = Runner(ROOT, device="cpu", cache_dir=tmp_path)
    english, chinese = runner.page("docs/s.md", ENGLISH), runner.page("docs/s.zh.md", CHINESE)
    assert english.result().passed, english.result().report
    assert chinese.result().passed, chinese.result().report
    assert runner.ran == ["docs/s.md"]  # asked for while the first was running: one process for both
    assert english.result().shown == ENGLISH
    assert chinese.result().shown == CHINESE  # its own prose, the run's outputs
    again = Runner(ROOT, device="cpu", cache_dir=tmp_path)
    assert again.page("docs/s.zh.md", CHINESE).result().shown == CHINESE
    assert again.ran == []  # from the cache


def test_prose_edits_reuse_the_run_and_show_the_new_prose(tmp_path: Path) -> None:
    runner = Runner(ROOT, device="cpu", cache_dir=tmp_path)
    runner.page("docs/s.md", ENGLISH).result()
    edited = ENGLISH.replace("Add two numbers", "Multiply two numbers")
    assert runner.page("docs/s.md", edited).result().shown == edited
    assert runner.ran == ["docs/s.md"]
    changed = ENGLISH.replace(">>> 6 * 7\n42", ">>> 6 * 8\n48")  # an example changed: a new run
    assert runner.page("docs/s.md", changed).result().passed
    assert runner.ran == ["docs/s.md", "docs/s.md"]


def test_the_key_covers_each_examples_source_output_options_and_snippets(tmp_path: Path) -> None:
    def key(text: str, name: str = "docs/s.md") -> str:
        return examples_key(parse(text, name, [tmp_path]))

    assert key(ENGLISH) == key(CHINESE, "docs/s.zh.md") == key("\n\n" + ENGLISH)
    assert key(ENGLISH) != key(ENGLISH.replace("42", "42.0"))
    assert key(ENGLISH) != key(ENGLISH.replace(">>> 6 * 7", ">>> 6 * 7  # doctest: +ELLIPSIS"))
    assert key(ENGLISH) != key(ENGLISH.replace(">>> 6 * 7", ">>> 6 * 7  # dlref: rtol=1e-3"))
    # an included file's examples are part of it, with where they come from
    (tmp_path / "inc.txt").write_text(">>> 1 + 1\n2\n", encoding="utf-8")
    included = '```pycon\n--8<-- "inc.txt"\n```\n'
    assert f"{tmp_path / 'inc.txt'}:1" in key(included)
    (tmp_path / "inc.txt").write_text(">>> 1 + 2\n3\n", encoding="utf-8")
    assert ">>> 1 + 2" not in key(included)
    assert "1 + 2" in key(included)


def test_a_run_whose_outputs_name_its_page_is_not_stored(tmp_path: Path) -> None:
    """A printed traceback shows the page's name and lines, which the key leaves out."""
    page = "```pycon\n>>> import traceback\n>>> try:\n...     1 / 0\n... except ZeroDivisionError:\n"
    page += "...     print(traceback.format_exc().splitlines()[1].strip())\n"
    page += 'File "docs/t.md", line 4, in <module>\n```\n'
    runner = Runner(ROOT, device="cpu", cache_dir=tmp_path)
    outcome = runner.page("docs/t.md", page).result()
    assert outcome.passed, outcome.report
    assert not list(tmp_path.glob("*.json"))


def test_with_outputs_needs_one_output_per_example() -> None:
    with pytest.raises(ValueError, match=r"docs/s\.zh\.md: 2 examples, but the run has 1 outputs"):
        with_outputs(parse(CHINESE, "docs/s.zh.md"), ["42\n"])


NOTEBOOK = "# %% [markdown]\n# # Title\n\n# %%\nprint(6 * 7)\n\n# %% [markdown]\n# Done.\n"


def test_a_translated_notebook_shows_its_sources_outputs(tmp_path: Path) -> None:
    import jupytext

    executed = jupytext.reads(NOTEBOOK, fmt="py:percent")
    executed.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]
    translation = tmp_path / "n.zh.py"
    translation.write_text(NOTEBOOK.replace("# Title", "# 标题").replace("Done.", "完成。"), encoding="utf-8")
    shown, report = merge_notebook(translation, as_json(executed), "docs/n.zh.py", "docs/n.py")
    assert report == ""
    cells = json.loads(shown)["cells"]
    assert "".join(cells[0]["source"]) == "# 标题"
    assert "".join(cells[1]["outputs"][0]["text"]) == "42\n"

    translation.write_text(NOTEBOOK.replace("6 * 7", "7 * 6"), encoding="utf-8")
    shown, report = merge_notebook(translation, as_json(executed), "docs/n.zh.py", "docs/n.py")
    assert shown == ""
    assert report.startswith("docs/n.zh.py:4: code cell 1 differs from docs/n.py's")


def test_stamp_records_the_sources_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("p.md").write_text(ENGLISH, encoding="utf-8")
    Path("p.zh.md").write_text(CHINESE, encoding="utf-8")
    assert recorded_hash(CHINESE) == "x"
    assert stamp(Path("p.zh.md")) == source_hash(ENGLISH)
    assert recorded_hash(Path("p.zh.md").read_text(encoding="utf-8")) == source_hash(ENGLISH)
    Path("n.py").write_text("# ---\n# jupyter:\n#   jupytext:\n#     formats: py:percent\n# ---\n", encoding="utf-8")
    Path("n.zh.py").write_text(Path("n.py").read_text(encoding="utf-8"), encoding="utf-8")
    stamp(Path("n.zh.py"))
    assert recorded_hash(Path("n.zh.py").read_text(encoding="utf-8")) == source_hash(Path("n.py").read_text())


# A process with a runner on the cache folder given: it asks for the page, prints what it waits for
# (the names another process is running), then the outcome and what it ran itself.
ASK = textwrap.dedent("""
    import json, pathlib, sys
    from dlref_site.runner import Runner
    root, cache, text = sys.argv[1:]
    runner = Runner(pathlib.Path(root), device="cpu", cache_dir=cache)
    future = runner.page("docs/s.md", text)
    print(json.dumps(runner.awaited), flush=True)
    outcome = future.result(timeout=120)
    print(json.dumps({"passed": outcome.passed, "report": outcome.report, "ran": runner.ran}), flush=True)
""")


def _ask(cache: Path, text: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", ASK, str(ROOT), str(cache), text], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + 120
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def test_two_processes_that_share_a_cache_run_a_page_once(tmp_path: Path) -> None:
    """The second process asks while the first runs the page: it waits, and shows the first's run."""
    count, go = tmp_path / "count", tmp_path / "go"
    page = (
        "```pycon\n"
        ">>> import pathlib, time\n"
        f">>> with open(r'{count}', 'a') as f: _ = f.write('ran\\n')\n"
        f">>> while not pathlib.Path(r'{go}').exists(): time.sleep(0.05)\n"
        ">>> 6 * 7\n42\n```\n"
    )
    first = second = None
    try:
        first = _ask(tmp_path / "cache", page)
        assert json.loads(first.stdout.readline()) == []  # nothing to wait for: it runs the page
        _wait_for(count)  # its example has started, and waits for go
        second = _ask(tmp_path / "cache", page)
        assert json.loads(second.stdout.readline()) == ["docs/s.md"]  # waits for the first's run
        go.touch()
        ran = [json.loads(process.stdout.readline()) for process in (first, second)]
        assert [process.wait(timeout=60) for process in (first, second)] == [0, 0]
    finally:
        go.touch()  # a failed assertion leaves no process waiting
        for process in (first, second):
            if process is not None:
                process.kill()
                process.wait()
    assert ran == [{"passed": True, "report": "", "ran": ["docs/s.md"]}, {"passed": True, "report": "", "ran": []}]
    assert count.read_text(encoding="utf-8") == "ran\n"  # one run for both


def test_a_run_that_another_process_left_unfinished_is_run_by_the_one_that_waited(tmp_path: Path) -> None:
    """The process that held the page's claim dies without an entry: the kernel gives its claim up,
    and the process waiting for it runs the page itself."""
    runner = Runner(ROOT, device="cpu", cache_dir=tmp_path)
    key = runner.page_key("docs/s.md", ENGLISH)
    hold = "import pathlib, sys, time\nfrom dlref_site.cache import Store\n"
    hold += "assert Store(pathlib.Path(sys.argv[1])).claim(sys.argv[2])\nprint('held', flush=True)\ntime.sleep(600)\n"
    holder = subprocess.Popen([sys.executable, "-c", hold, str(tmp_path), key], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        future = runner.page("docs/s.md", ENGLISH)
        assert (runner.awaited, runner.ran) == (["docs/s.md"], [])
        time.sleep(0.5)
        assert not future.done()  # still waiting for the holder
    finally:
        holder.kill()
        holder.wait()
    assert future.result(timeout=120).shown == ENGLISH
    assert (runner.awaited, runner.ran) == ([], ["docs/s.md"])
    again = Runner(ROOT, device="cpu", cache_dir=tmp_path)
    assert again.page("docs/s.md", ENGLISH).result().passed
    assert again.ran == []  # stored by the runner that waited
