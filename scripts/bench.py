"""Measure, in one run, how long the site and the tests take compared with the page code itself.

(a) raw: every pycon example, every notebook cell and every docstring example (the API page's
    examples, which the build runs too), run in one process with one torch thread (torch imported
    once before the clock starts), each time in a new process;
(b) a cold ``mkdocs build``: empty execution cache, new output directory. (a) and (b) alternate,
    a b a b a b a (``--pairs 3``): each b/a divides a build by the mean of the two (a) around it,
    and the median is reported, with every ratio. The machine's speed drifts within one run: a
    single (a) timed before everything once gave b/a = 0.86, and a single pair 1.25 and 1.52 for
    the same code in two runs minutes apart;
(c) a warm ``mkdocs build`` with nothing changed, as a new process (``mkdocs build``) and as a
    rebuild inside a running process (what ``scripts/docs``, ``mkdocs serve --dirty``, does);
(d) a build after editing one page (a blank line appended, then removed again): only that page runs;
    as a new process, and as a rebuild inside a running process (``scripts/docs``);
(e) a build after editing a ``dlref`` source file (a comment appended, then removed): every page runs;
(f) the README's test command (``scripts/test``), with an empty execution cache, as in CI;
(g) ``--languages``: only cold builds, English alone (``DLREF_LANGUAGE=en``) and both languages,
    alternating (``--pairs`` of each), with the median of each pair's both/English ratio: what the
    Chinese site adds to a build (built at the same time in a process of its own, its pages share
    their English page's runs).

Run it with ``scripts/bench`` (``--skip-tests`` leaves out (f)). The builds use a temporary
execution cache (``DLREF_CACHE_DIR``), so the project's own cache is not touched. Timings are wall-clock seconds on this
machine; the ratios are what to compare across changes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dlref_site.cache import CACHE_DIR_ENV_VAR
from dlref_site.examples import parse, run
from dlref_site.runner import run_docstrings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def raw_execution() -> tuple[float, int, int, float]:
    """Run every page's examples, every notebook's cells and every docstring's examples in this
    process; return the seconds, the page and notebook counts, and the docstrings' share."""
    import jupytext
    import matplotlib

    matplotlib.use("Agg")
    import torch  # imported once, before the clock starts

    torch.set_num_threads(1)  # as each page's process has in a build on two cores

    pages = [parse(p.read_text(encoding="utf-8"), str(p), [ROOT]) for p in sorted(DOCS.rglob("*.md"))]
    pages = [page for page in pages if page.examples]
    notebooks = sorted(DOCS.rglob("*.py"))
    start = time.perf_counter()
    for page in pages:
        if not run(page).passed:
            raise SystemExit(page.report())
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
    import pandas as pd

    pd.reset_option("display.float_format")  # a notebook sets it; the docstrings show pandas' default
    docstrings = time.perf_counter()
    outcome = run_docstrings(exact=True)
    if not outcome.passed:
        raise SystemExit(outcome.report)
    end = time.perf_counter()
    return end - start, len(pages), len(notebooks), end - docstrings


def raw_in_new_process() -> tuple[float, int, int, float]:
    """``raw_execution`` in a new process (``scripts/bench.py --raw``), so that each (a) is the same."""
    printed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--raw"], check=True, capture_output=True, text=True
    ).stdout
    seconds, pages, notebooks, docstrings = printed.split()
    return float(seconds), int(pages), int(notebooks), float(docstrings)


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values) + " s"


def timed(command: list[str], **kwargs: object) -> tuple[float, str]:
    """Run ``command``; return its wall-clock seconds and its stderr (where MkDocs logs)."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, **kwargs)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return seconds, result.stderr


def executed(log: str) -> str:
    """The plugin's line saying what ran and what came from the cache."""
    lines = [line.split("dlref: ", 1)[1] for line in log.splitlines() if "dlref: executed" in line]
    return lines[-1] if lines else "?"


@contextlib.contextmanager
def appended(path: Path, text: str):
    """Append ``text`` to ``path`` for the duration of the block, then restore it byte for byte."""
    original = path.read_bytes()
    path.write_bytes(original + text.encode())
    try:
        yield
    finally:
        path.write_bytes(original)


def in_process_rebuilds(out: str, env: dict[str, str]) -> tuple[float, float, float]:
    """Rebuilds inside one process, as ``scripts/docs`` (``mkdocs serve --dirty``) does after a
    change: with nothing changed, and after editing one page twice."""
    code = (
        "import pathlib, sys, time\n"
        "from mkdocs.commands.build import build\n"
        "from mkdocs.config import load_config\n"
        "def serve_build(dirty):\n"
        "    config = load_config(site_dir=sys.argv[1], strict=False)\n"
        "    config.plugins.on_startup(command='serve', dirty=dirty)\n"
        "    build(config, dirty=dirty)\n"
        "serve_build(False)\n"
        "start = time.perf_counter()\n"
        "serve_build(True)\n"
        "print(time.perf_counter() - start)\n"
        "page = pathlib.Path('docs/tensors/creation.md')\n"
        "original = page.read_bytes()\n"
        "try:\n"
        "    for blank in (b'\\n\\n', b'\\n\\n\\n'):\n"
        "        page.write_bytes(original + blank)\n"
        "        start = time.perf_counter()\n"
        "        serve_build(True)\n"
        "        print(time.perf_counter() - start)\n"
        "finally:\n"
        "    page.write_bytes(original)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, out], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    unchanged, first, second = result.stdout.split()[-3:]
    return float(unchanged), float(first), float(second)


def languages(mkdocs: list[str], pairs: int) -> None:
    """(g): cold builds of English alone and of both languages, alternating; each pair's ratio."""
    english, both = [], []
    with tempfile.TemporaryDirectory() as folder:
        for pair in range(pairs):
            for language, times in (("en", english), (None, both)):
                env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", CACHE_DIR_ENV_VAR: f"{folder}/cache-{pair}-{language}"}
                env.pop("DLREF_LANGUAGE", None)
                if language:
                    env["DLREF_LANGUAGE"] = language
                seconds, log = timed([*mkdocs, f"{folder}/site-{pair}-{language}"], env=env)
                times.append(seconds)
                built = "English only" if language else "both languages"
                print(f"pair {pair + 1}: {built} {seconds:.2f} s; {executed(log)}", flush=True)
    ratios = [b / e for e, b in zip(english, both, strict=True)]
    print(f"dlref bench on {os.cpu_count()} CPU(s)")
    print(f"{'(g) cold build, English only':<40} {statistics.median(english):7.2f} s   median of {_seconds(english)}")
    print(
        f"{'(g) cold build, both languages':<40} {statistics.median(both):7.2f} s   median of {_seconds(both)}; "
        f"both/English = {statistics.median(ratios):.2f} (median of {', '.join(f'{r:.2f}' for r in ratios)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-tests", action="store_true", help="do not time the README's test command")
    parser.add_argument("--raw", action="store_true", help="only time (a), and print its four figures")
    parser.add_argument("--pairs", type=int, default=3, help="cold builds, each between two (a) (default 3)")
    parser.add_argument("--languages", action="store_true", help="only time (g): cold builds, English vs both")
    args = parser.parse_args()
    if args.pairs < 1:
        parser.error(f"--pairs must be at least 1, not {args.pairs}")
    if args.raw:
        print(*raw_execution())
        return
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d"]
    if args.languages:
        languages(mkdocs, args.pairs)
        return

    raws, colds, ratios = [], [], []
    first, pages, notebooks, docstrings = raw_in_new_process()
    raws.append(first)
    with tempfile.TemporaryDirectory() as folder:  # each pair's cache and site; the last pair's are the warm ones
        for pair in range(args.pairs):
            cache, out = str(Path(folder) / f"cache-{pair}"), str(Path(folder) / f"site-{pair}")
            env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", CACHE_DIR_ENV_VAR: cache}
            cold, cold_log = timed([*mkdocs, out], env=env)
            raws.append(raw_in_new_process()[0])
            colds.append(cold)
            ratios.append(cold / ((raws[-2] + raws[-1]) / 2))
        raw, cold, ratio = statistics.median(raws), statistics.median(colds), statistics.median(ratios)
        warm, _ = timed([*mkdocs, out], env=env)
        rebuild, first_edit, second_edit = in_process_rebuilds(out, env)
        with appended(DOCS / "tensors/creation.md", "\n"):
            page, page_log = timed([*mkdocs, out], env=env)
        with appended(ROOT / "src/dlref/tensors/creation.py", "\n# bench\n"):
            source, source_log = timed([*mkdocs, out], env=env)
        timed([*mkdocs, out], env=env)  # back to the committed sources, so the cache matches them again
    tests = None
    if not args.skip_tests:
        with tempfile.TemporaryDirectory() as cache:
            tests, _ = timed([str(ROOT / "scripts/test"), "-q"], env={**os.environ, CACHE_DIR_ENV_VAR: cache})

    rows = [
        (
            "(a) page code alone, in-process",
            raw,
            f"median of {_seconds(raws)}; {pages} pages, {notebooks} notebooks, docstrings {docstrings:.2f} s",
        ),
        (
            "(b) cold mkdocs build",
            cold,
            f"median of {_seconds(colds)}; b/a = {ratio:.2f} (median of {', '.join(f'{r:.2f}' for r in ratios)}); "
            f"{executed(cold_log)}",
        ),
        ("(c) warm build, new process", warm, "nothing changed"),
        ("(c) warm rebuild in a running process", rebuild, "what mkdocs serve does"),
        ("(d) build after editing one page", page, executed(page_log)),
        ("(d) the same in a running process", second_edit, f"mkdocs serve; {first_edit:.2f} s for its first edit"),
        ("(e) build after editing dlref source", source, executed(source_log).split(" (")[0]),
    ]
    if tests is not None:
        rows.append(("(f) README test command, cold cache", tests, f"f/a = {tests / raw:.2f}"))
    print(f"dlref bench on {os.cpu_count()} CPU(s)")
    for name, seconds, note in rows:
        print(f"{name:<40} {seconds:7.2f} s   {note}")


if __name__ == "__main__":
    main()
