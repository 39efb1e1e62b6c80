"""``scripts/update-outputs [--check] [PAGE...]``: write each failing example's actual output back.

A walkthrough notebook (``docs/**/*.py``) has its printed outputs stored beside it
(``mlp.py`` -> ``mlp.outputs.txt``): the command rewrites that file from a run of the notebook. A
notebook's translation (``mlp.zh.py``) shows those same outputs, so naming it updates its source.

Pages run exactly as the build runs them ([`Runner.update`][dlref_site.runner.Runner.update]: a
fresh process, the same parser and checker). Only the lines of failing outputs change, in the file
that holds each (the page, or a file its snippets include); a page whose outputs are current is
left byte for byte. An example that raised where the page shows an output (or the reverse) is a
break to fix by hand, reported and not rewritten. With ``--check`` nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from dlref_site.runner import Runner, _read
from dlref_site.translations import source_of


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/update-outputs", description=__doc__.split("\n")[0])
    parser.add_argument("pages", nargs="*", type=Path, help="pages and notebooks (default: all under docs/)")
    parser.add_argument("--check", action="store_true", help="only report differences; write nothing")
    args = parser.parse_args(argv)
    runner = Runner(Path.cwd(), cache_dir=None)
    pages = args.pages or sorted([*Path("docs").rglob("*.md"), *Path("docs").rglob("*.py")])
    pages = list(dict.fromkeys(_outputs_of(page) for page in pages))
    missing = [page for page in pages if not page.is_file()]
    for page in missing:
        print(f"{page}: no such page", file=sys.stderr)
    futures = {page: _update(runner, page) for page in pages if page.is_file()}
    status = 2 if missing else 0
    for page, future in futures.items():
        outcome = future.result()
        if outcome.passed and outcome.rewrites and not args.check:  # the same outputs, cells moved
            for path, text in outcome.rewrites.items():
                Path(path).write_text(text, encoding="utf-8", newline="")
                print(f"{path}: rewrote the cells' line numbers")
        elif outcome.passed:
            print(f"{page}: up to date ({outcome.examples} {'cells' if page.suffix != '.md' else 'examples'})")
        elif args.check or not (outcome.rewrites or outcome.left):
            print(outcome.report, file=sys.stderr)
            status = max(status, 1)
        else:
            for path, text in outcome.rewrites.items():
                Path(path).write_text(text, encoding="utf-8", newline="")
                print(f"{path}: rewrote outputs")
            for report in outcome.left:
                print(f"{report}\n(not rewritten: fix the example or the page)\n", file=sys.stderr)
                status = max(status, 1)
    return status


def _outputs_of(page: Path) -> Path:
    """The page whose run holds ``page``'s outputs: a notebook translation's source, else itself.

    Examples:
        >>> _outputs_of(Path("docs/training/mlp.zh.py")).as_posix(), _outputs_of(Path("docs/index.zh.md")).as_posix()
        ('docs/training/mlp.py', 'docs/index.zh.md')
    """
    source = source_of(page.as_posix()) if page.suffix == ".py" else None
    return Path(source) if source is not None else page


def _update(runner: Runner, page: Path):
    """A walkthrough (``.py``, ``.ipynb``) rewrites its stored outputs; a Markdown page, its own."""
    if page.suffix in (".py", ".ipynb"):
        return runner.update_notebook(page)
    return runner.update(page.as_posix(), _read(str(page)))


if __name__ == "__main__":
    raise SystemExit(main())
