"""Measure, in one run, how long the site and the tests take compared with the page code itself.

(a) raw: every pycon example and every notebook cell, run in this process (torch imported once);
(b) a cold ``mkdocs build`` into a fresh directory;
(c) a warm ``mkdocs build`` with nothing changed;
(d) a build after touching one page;
(e) the README's test command (``scripts/test``).

Run it with ``scripts/bench`` (``--skip-tests`` leaves out (e)). Timings are wall-clock seconds on
this machine; the ratios are what to compare across changes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def raw_execution() -> tuple[float, int, int]:
    """Run every page's examples and every notebook's cells in this process; return seconds."""
    import jupytext
    import matplotlib

    matplotlib.use("Agg")
    import torch  # noqa: F401 - imported once, before the clock starts

    from dlref.engine import run_page

    pages = [p for p in sorted(DOCS.rglob("*.md")) if "```pycon" in p.read_text(encoding="utf-8")]
    notebooks = sorted(DOCS.rglob("*.py"))
    start = time.perf_counter()
    for page in pages:
        run = run_page(page)
        if not run.passed:
            raise SystemExit(run.report())
    for notebook in notebooks:
        cells = [c.source for c in jupytext.read(notebook).cells if c.cell_type == "code"]
        namespace: dict[str, object] = {"__name__": "__main__"}
        os.chdir(notebook.parent)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                for source in cells:
                    exec(compile(source, str(notebook), "exec"), namespace)
        finally:
            os.chdir(ROOT)
    return time.perf_counter() - start, len(pages), len(notebooks)


def timed(command: list[str], **kwargs: object) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, **kwargs)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-tests", action="store_true", help="do not time the README's test command")
    args = parser.parse_args()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    # (c) and (d) run the same command as (b) into the same directory: what a maintainer runs.
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d"]

    raw, pages, notebooks = raw_execution()
    with tempfile.TemporaryDirectory() as out:
        cold = timed([*mkdocs, out], env=env)
        warm = timed([*mkdocs, out], env=env)
        touched = DOCS / "tensors/creation.md"
        os.utime(touched)
        touch = timed([*mkdocs, out], env=env)
    tests = None if args.skip_tests else timed([str(ROOT / "scripts/test"), "-q"])

    rows = [
        ("(a) page code alone, in-process", raw, f"{pages} pages, {notebooks} notebooks"),
        ("(b) cold mkdocs build", cold, f"b/a = {cold / raw:.2f}"),
        ("(c) warm build, nothing changed", warm, f"c/a = {warm / raw:.2f}"),
        ("(d) build after touching one page", touch, f"d/a = {touch / raw:.2f}"),
    ]
    if tests is not None:
        rows.append(("(e) README test command", tests, f"e/a = {tests / raw:.2f}"))
    print(f"dlref bench on {os.cpu_count()} CPU(s)")
    for name, seconds, note in rows:
        print(f"{name:<38} {seconds:7.2f} s   {note}")


if __name__ == "__main__":
    main()
