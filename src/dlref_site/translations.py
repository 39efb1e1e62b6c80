r"""Translations share their source page's examples: one run, the same checked outputs.

A translation sits beside its source with the language before the suffix (mkdocs-static-i18n's
suffix layout): ``docs/tensors/creation.md`` -> ``docs/tensors/creation.zh.md``, and a notebook
``docs/training/mlp.py`` -> ``docs/training/mlp.zh.py``. It translates the prose and keeps the code
and the outputs as they are.

A page's run depends on its examples, not on its prose, so the runner keys it on
[`examples_key`][dlref_site.examples_key] and makes what a page shows from its own text and the
run's outputs ([`with_outputs`][dlref_site.translations.with_outputs]): a page and its translation
share one run. A notebook's translation shows its source's executed outputs, cell by cell
([`merge_notebook`][dlref_site.translations.merge_notebook]).

Each translation records which version of its source it translates, ``translated_from:`` the
[`source_hash`][dlref_site.translations.source_hash] of the source file (in a page's front matter,
in a notebook's jupytext header); ``tests/site/test_translations.py`` names the stale ones.

Examples:
    >>> source_of("docs/tensors/creation.zh.md"), source_of("docs/training/mlp.zh.py"), source_of("docs/index.md")
    ('docs/tensors/creation.md', 'docs/training/mlp.py', None)
    >>> recorded_hash("---\ntranslated_from: 0123abcd\n---\n# 标题\n")
    '0123abcd'
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from dlref_site.examples import Page, rewrite

__all__ = [
    "LANGUAGES",
    "examples_key",
    "merge_notebook",
    "names_page",
    "recorded_hash",
    "source_hash",
    "source_of",
    "stamp",
    "translation_of",
    "with_outputs",
]

LANGUAGES = ("zh",)
"""The languages pages are translated into (the source is English)."""
_SUFFIX = re.compile(r"^(?P<stem>.+)\.(?P<lang>[a-z]{2}(?:-[A-Za-z]+)?)\.(?P<ext>md|py)$")
_RECORDED = re.compile(r"^(?:#\s*)?\s*translated_from:\s*['\"]?(?P<hash>[^\s'\"]+)['\"]?\s*$", re.MULTILINE)


def source_of(name: str) -> str | None:
    """The source page of translation ``name`` (``x.zh.md`` -> ``x.md``); ``None`` for a source page."""
    match = _SUFFIX.match(name)
    if match is None or match["lang"] not in LANGUAGES:
        return None
    return f"{match['stem']}.{match['ext']}"


def translation_of(name: str, lang: str = "zh") -> str:
    """Where the ``lang`` translation of source page ``name`` lives (``x.md`` -> ``x.zh.md``)."""
    path = Path(name)
    return path.with_name(f"{path.stem}.{lang}{path.suffix}").as_posix()


def source_hash(text: str) -> str:
    r"""What a translation records as the version of its source: the first 16 hex digits of the
    SHA-256 of the source file's text (line endings as ``\n``)."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode()).hexdigest()[:16]


def recorded_hash(text: str) -> str | None:
    """The ``translated_from:`` hash a translation records: in a page's YAML front matter, or in a
    notebook's jupytext header (``#   translated_from: ...``). ``None`` if it records none."""
    lines = text.splitlines()
    ends = [i for i, line in enumerate(lines) if line.strip() in ("---", "# ---")]
    header = "\n".join(lines[1 : ends[1]]) if len(ends) > 1 and ends[0] == 0 else ""
    match = _RECORDED.search(header)
    return match["hash"] if match else None


def examples_key(page: Page) -> str:
    """What a page's run depends on: each example's source, its expected output and options, and
    where it comes from when a snippet includes it (the page's own line numbers and prose are not
    part of it, so a page and its translation share one key).

    The examples are compiled at their page's lines, so a traceback printed to stdout would show
    them: [`names_page`][dlref_site.translations.names_page] keeps such a run out of the cache.
    """
    parts = []
    for e in page.examples:
        where = "" if e.path == page.name else f"{e.path}:{e.line}"
        options = sorted((int(flag), bool(on)) for flag, on in e.example.options.items())
        parts.append(f"{e.source}\0{e.want}\0{e.example.exc_msg}\0{options}\0{e.rtol}\0{e.atol}\0{where}")
    return "\1".join(parts)


def names_page(outputs: list[str], name: str) -> bool:
    """Whether a run's outputs mention its page's file (a printed traceback): they would change
    with the page's lines, which its key leaves out."""
    return any(name in output for output in outputs)


def with_outputs(page: Page, outputs: list[str]) -> str:
    r"""``page``'s expanded text with each example's output replaced by ``outputs`` (what a run of
    the same examples printed, in order): what the build shows.

    Examples:
        >>> from dlref_site.examples import parse
        >>> page = parse("中文\n\n```pycon\n>>> 6 * 7\n42\n```\n", "demo.zh.md")
        >>> with_outputs(page, ["42\n"]) == page.text
        True
    """
    from dlref_site.examples import apply

    if len(outputs) != len(page.examples):
        raise ValueError(f"{page.name}: {len(page.examples)} examples, but the run has {len(outputs)} outputs")
    for example, got in zip(page.examples, outputs, strict=True):
        example.got = got
    edits, _ = rewrite(page)
    return apply(page.text, edits.get(page.name, []))


def merge_notebook(translation: Path, executed: str, name: str, source: str) -> tuple[str, str]:
    """The translated notebook at ``translation`` with the outputs of its source's executed notebook
    (``executed``, its JSON): each code cell takes the outputs of the source's code cell at the
    same position. Returns the notebook's JSON and ``""``, or ``""`` and a report naming the first
    code cell that differs from the source's (``name`` and ``source`` name the two files)."""
    from dlref_site.notebooks import _read, as_json, cell_lines, read_json

    mine = _read(Path(translation))
    theirs = read_json(executed)
    code = [cell for cell in mine.cells if cell.cell_type == "code"]
    done = [cell for cell in theirs.cells if cell.cell_type == "code"]
    lines = cell_lines(Path(translation).read_text(encoding="utf-8"))
    where = [line for line, cell in zip(lines, mine.cells, strict=False) if cell.cell_type == "code"]
    for number, (cell, ran) in enumerate(zip(code, done, strict=False)):
        if cell.source != ran.source:
            at = f"{name}:{where[number]}" if number < len(where) else name
            return "", (
                f"{at}: code cell {number + 1} differs from {source}'s: a translation keeps its source's "
                f"code as it is.\n  {source}:\n{_indented(ran.source)}\n  {name}:\n{_indented(cell.source)}"
            )
        cell.outputs, cell.execution_count = ran.outputs, ran.get("execution_count")
    if len(code) != len(done):
        return "", f"{name}: {len(code)} code cells, {source} has {len(done)}: a translation keeps every code cell"
    mine.metadata = theirs.metadata | {"jupytext": mine.metadata.get("jupytext", {})}
    return as_json(mine), ""


def _indented(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def stamp(translation: Path) -> str:
    """Record in ``translation`` the version of its source it now translates (its
    ``translated_from:``, added or replaced); returns the hash."""
    translation = Path(translation)
    source = source_of(translation.as_posix())
    if source is None:
        raise ValueError(f"{translation}: not a translation (expected NAME.{'|'.join(LANGUAGES)}.md or .py)")
    value = source_hash(Path(source).read_text(encoding="utf-8"))
    text = translation.read_text(encoding="utf-8")
    if recorded_hash(text) is not None:
        text = _RECORDED.sub(lambda m: m[0].replace(m["hash"], value), text, count=1)
    elif translation.suffix == ".py" and text.startswith("# ---\n# jupyter:\n"):
        text = text.replace("# jupyter:\n", f"# jupyter:\n#   translated_from: {value}\n", 1)
    elif translation.suffix == ".md" and text.startswith("---\n"):
        text = text.replace("---\n", f"---\ntranslated_from: {value}\n", 1)
    elif translation.suffix == ".md":
        text = f"---\ntranslated_from: {value}\n---\n\n{text}"
    else:
        raise ValueError(f"{translation}: a notebook translation starts with its jupytext header ('# ---')")
    translation.write_text(text, encoding="utf-8")
    return value


def main(argv: list[str] | None = None) -> int:
    """``python -m dlref_site.translations stamp docs/PAGE.zh.md ...``: record that each translation
    is up to date with its English page (run it once the translation is)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or args[0] != "stamp":
        print("usage: python -m dlref_site.translations stamp docs/PAGE.zh.md [...]", file=sys.stderr)
        return 2
    for name in args[1:]:
        print(f"{name}: translated_from: {stamp(Path(name))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
