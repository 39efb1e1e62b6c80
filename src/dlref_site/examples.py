r"""One parser for what a page runs, and the running of it.

A page's **source** is its Markdown with every pymdown snippet (``--8<-- "file"``, ``"file:name"``,
``"file:3:9"``, the block form) replaced, at any depth, as ``pymdownx.snippets`` includes it; each
line remembers its file and line. Its **examples** are the ``>>>`` examples of every fence the
Markdown extensions render with the Python console lexer (backticks or tildes, any indentation,
``pycon`` or ``python-console``, with attributes or in braces). The build, pytest, the update
command and the page notebooks all call [`parse`][dlref_site.examples.parse].

Examples:
    >>> page = parse("Text\n\n~~~{.pycon}\n>>> 6 * 7\n42\n~~~\n", "demo.md")
    >>> [(e.path, e.line, e.want) for e in page.examples], run(page).passed
    ([('demo.md', 4, '42\n')], True)
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dlref_site.check import ATOL, RTOL, check, first_difference, normalise

__all__ = [
    "Example",
    "Page",
    "SnippetError",
    "apply",
    "blocks",
    "docstring_page",
    "fence",
    "fresh_state",
    "parse",
    "rewrite",
    "run",
]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*?)[ \t]*$")
_CONSOLE = re.compile(r"^(?:\{\s*\.(?:pycon|python-console)(?=[\s}])|(?:pycon|python-console)(?=[\s{]|$))")
_SNIPPET = re.compile(r"""^(?P<indent>[ \t]*)(?P<escape>;*)-{1,}8<-{1,}[ \t]*(?P<rest>.*?)[ \t]*$""")
_QUOTED = re.compile(r"""^(["'])(?P<name>.+)\1$""")
_SECTION_MARK = re.compile(
    r"(?P<escape>;*)-{1,}8<-{1,}[ \t]+\[[ \t]*(?P<kind>start|end)[ \t]*:[ \t]*(?P<name>[\w-]+)[ \t]*\]"
)
_DIRECTIVE = re.compile(r"#\s*dlref:\s*(?P<args>.*)$", re.MULTILINE)
_PARSER = doctest.DocTestParser()
_TRACEBACK = "Traceback (most recent call last):\n  ...\n"
_MAX_DEPTH = 16


class SnippetError(ValueError):
    """A snippet that cannot be included: a missing file or section, a URL, or a cycle."""


@dataclass
class Example:
    """One ``>>>`` example: where it is, what the page shows, and (after a run) what it printed."""

    example: doctest.Example
    path: str  # the file that holds it (the page, or a file a snippet includes)
    line: int  # 1-based line of its ``>>>`` in that file
    at: int  # 0-based line of its ``>>>`` in the page's expanded source
    indent: str
    rtol: float = RTOL
    atol: float = ATOL
    got: str = ""
    error: str | None = None  # the traceback of an exception the page did not expect
    passed: bool = False

    @property
    def source(self) -> str:
        return self.example.source

    @property
    def want(self) -> str:
        return self.example.want

    @property
    def raised(self) -> bool:
        return self.got.startswith(_TRACEBACK) or "\n" + _TRACEBACK in self.got

    def report(self, exact: bool) -> str:
        """``file:line``, the example, what the page shows and what it printed (or raised)."""
        code = "".join(("    >>> " if i == 0 else "    ... ") + s for i, s in enumerate(self.source.splitlines(True)))
        head = [f"{self.path}:{self.line}: example did not show what the page shows", code.rstrip(), "Expected:"]
        head.append(_indent(self.want) if self.want else "    (nothing)")
        if self.error is not None:
            return "\n".join([*head, "Raised:", _indent(self.error)])
        difference = first_difference(self.want, self.got, rtol=None if exact else self.rtol, atol=self.atol)
        return "\n".join([*head, "Actual:", _indent(self.got) if self.got else "    (nothing)", difference])


@dataclass
class Page:
    """A page's expanded source, where each of its lines came from, and its examples."""

    name: str
    text: str  # the expanded source
    origins: list[tuple[str, int]]  # per line of ``text``: (file, 1-based line)
    examples: list[Example] = field(default_factory=list)
    exact: bool = True

    @property
    def failures(self) -> list[Example]:
        return [e for e in self.examples if not e.passed]

    @property
    def passed(self) -> bool:
        return not self.failures

    def report(self) -> str:
        return "\n\n".join(e.report(self.exact) for e in self.failures) or f"{self.name}: all outputs as shown"


def _indent(text: str) -> str:
    return "".join("    " + line for line in text.rstrip("\n").splitlines(True))


def _included(name: str, bases: Sequence[Path]) -> tuple[Path, list[str], list[int]]:
    """The file a snippet names, and the lines (with their 1-based numbers) it includes."""
    if "://" in name:
        raise SnippetError(f"snippet {name!r}: URLs are not included (nothing is fetched at build time)")
    path_part, section, ranges = name, "", ""
    match = re.match(r"^(?P<path>.+?)(?::(?P<ranges>[\d:,-]+)|:(?P<section>[\w-]+))?$", name)
    if match:
        path_part, ranges, section = match["path"], match["ranges"] or "", match["section"] or ""
    for base in bases:
        if (base / path_part).is_file():
            path = base / path_part
            break
    else:
        raise SnippetError(f"snippet {name!r}: no such file under {', '.join(map(str, bases))}")
    lines = path.read_text(encoding="utf-8").splitlines()
    numbers = list(range(1, len(lines) + 1))
    if section:
        marks = {}
        for i, text in enumerate(lines):
            mark = _SECTION_MARK.search(text)
            if mark and not mark["escape"] and mark["name"] == section:
                marks.setdefault(mark["kind"], i)
        if set(marks) != {"start", "end"} or marks["start"] > marks["end"]:
            raise SnippetError(f"snippet {name!r}: section {section!r} is not marked start then end in {path}")
        marks = [marks["start"], marks["end"]]
        numbers = numbers[marks[0] + 1 : marks[1]]
    elif ranges:
        chosen: list[int] = []
        for part in ranges.split(","):
            start, _, stop = part.partition(":")
            chosen += range(int(start or 1), int(stop or len(lines)) + 1)
        numbers = [n for n in chosen if 1 <= n <= len(lines)]
    kept: list[tuple[str, int]] = []  # section markers go; an escaped one stays, less one ";"
    for n in numbers:
        mark = _SECTION_MARK.search(lines[n - 1])
        if mark is None:
            kept.append((lines[n - 1], n))
        elif mark["escape"]:
            kept.append((lines[n - 1][: mark.start()] + lines[n - 1][mark.start() + 1 :], n))
    return path, [text for text, _ in kept], [n for _, n in kept]


def _expand(path: str, lines: list[str], numbers: list[int], bases: Sequence[Path], depth: int) -> Iterator:
    """``(text, (file, line))`` for each line, snippets replaced by what they include."""
    if depth > _MAX_DEPTH:
        raise SnippetError(f"{path}: snippets nested more than {_MAX_DEPTH} deep (a cycle?)")
    names_block: list[str] | None = None
    for text, number in zip(lines, numbers, strict=True):
        mark = _SNIPPET.match(text)
        if names_block is not None:
            if mark and not mark["escape"] and not mark["rest"]:
                for name in names_block:
                    yield from _include(name, mark["indent"], bases, depth)
                names_block = None
            elif text.strip() and not text.strip().startswith(";"):  # ";name": left out, as pymdownx does
                names_block.append(text.strip())
            continue
        if mark is None or mark["escape"] or _SECTION_MARK.search(text):  # not a snippet (a section marker)
            yield text, (path, number)
        elif not mark["rest"]:
            names_block = []
        else:
            quoted = _QUOTED.match(mark["rest"])
            name = quoted["name"] if quoted else mark["rest"]
            yield from _include(name, mark["indent"], bases, depth)


def _include(name: str, indent: str, bases: Sequence[Path], depth: int) -> Iterator:
    found, lines, numbers = _included(name, bases)
    for text, origin in _expand(str(found), lines, numbers, bases, depth + 1):
        yield (indent + text if text else text), origin


def fence(text: str, info: str = "") -> str:
    """``text`` as a fenced block of Markdown, its fence longer than any run of backticks it holds.

    Examples:
        >>> print(fence('print("```")', "python"))
        ````python
        print("```")
        ````
    """
    ticks = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{ticks}{info}\n{text.rstrip(chr(10))}\n{ticks}"


def blocks(lines: Sequence[str]) -> Iterator[tuple[int, str, list[str]]]:
    """``(first body line, indent, body lines)`` of each fenced block rendered as a Python console.

    A fence of another language is skipped whole, so a ``pycon`` fence shown inside it is not one.

    Examples:
        >>> [b[0] for b in blocks(["```pycon", ">>> 1", "1", "```", "````md", "```pycon", "````"])]
        [1]
    """
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if _CONSOLE.match(opening["info"]):
            yield i + 1, indent, [s[len(indent) :] if s.startswith(indent) else s.lstrip() for s in lines[i + 1 : end]]
        i = end + 1


def _tolerances(source: str, where: str) -> tuple[float, float]:
    """``# dlref: rtol=1e-3 atol=1e-5`` on an example: its tolerances off the reference platform."""
    rtol, atol = RTOL, ATOL
    for directive in _DIRECTIVE.finditer(source):
        for setting in directive["args"].replace(",", " ").split():
            key, _, value = setting.partition("=")
            try:
                number = float(value)
            except ValueError:
                number = -1.0
            if key not in ("rtol", "atol") or not number >= 0:
                raise ValueError(f"{where}: bad dlref directive {setting!r}: use rtol=<number> atol=<number>")
            rtol, atol = (number, atol) if key == "rtol" else (rtol, number)
    return rtol, atol


def parse(text: str, name: str = "<page>", bases: Sequence[Path] = (Path("."),)) -> Page:
    """The page ``text`` (known as ``name``) with snippets expanded from ``bases``, and its examples.

    Raises:
        SnippetError: a snippet names a missing file or section, a URL, or nests too deep.
    """
    raw = text.splitlines()
    expanded = list(_expand(name, raw, list(range(1, len(raw) + 1)), [Path(b) for b in bases], 0))
    lines = [line for line, _ in expanded]
    page = Page(name, "\n".join(lines) + ("\n" if text.endswith("\n") else ""), [origin for _, origin in expanded])
    for first, indent, body in blocks(lines):
        for example in _PARSER.get_examples("\n".join(body) + "\n", name=name):
            at = first + example.lineno
            path, line = page.origins[at]
            if example.options.get(doctest.SKIP):
                raise ValueError(f"{path}:{line}: doctest: +SKIP is not allowed: every example a page shows runs")
            rtol, atol = _tolerances(example.source, f"{path}:{line}")
            page.examples.append(Example(example, path, line, at, indent, rtol, atol))
    return page


def docstring_page(test: doctest.DocTest) -> Page:
    """A docstring's examples (from ``doctest.DocTestFinder``) as a page named ``file::qualified.name``."""
    filename = test.filename or test.name
    page = Page(f"{filename}::{test.name}", "", [])
    for example in test.examples:
        line = (test.lineno or 0) + example.lineno + 1
        page.examples.append(Example(example, filename, line, 0, "", *_tolerances(example.source, filename)))
    return page


def fresh_state() -> None:
    """Reset what a page could change, as a new interpreter has it; torch gets a random seed.

    A page that shows random numbers without ``torch.manual_seed`` first then fails, as a reader
    would get other numbers.
    """
    import numpy as np
    import torch

    torch.set_printoptions(profile="default", sci_mode=None)
    torch.set_default_dtype(torch.float32)
    np.set_printoptions(**_NUMPY_DEFAULTS)
    torch.seed()


def _numpy_defaults() -> dict:
    import numpy as np

    return dict(np.get_printoptions())


_NUMPY_DEFAULTS = _numpy_defaults()


def _execute(example: Example, namespace: dict, filename: str) -> None:
    buffer, tb = io.StringIO(), None
    with contextlib.redirect_stdout(buffer):
        try:  # compiled at its own line, so tracebacks (and a crash's fault dump) name file:line
            exec(compile("\n" * (example.line - 1) + example.source, filename, "single", dont_inherit=True), namespace)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            tb = exc.__traceback__
            while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
                tb = tb.tb_next
            example.error = "".join(traceback.format_exception(type(exc), exc, tb))
            buffer.write(_TRACEBACK + "".join(traceback.format_exception_only(type(exc), exc)))
    got = buffer.getvalue()
    example.got = "\n".join(line.rstrip() for line in got.splitlines()) + ("\n" if got else "")


def run(page: Page, exact: bool = True, namespace: dict | None = None) -> Page:
    """Run ``page``'s examples in order in ``namespace`` (default: a fresh ``__main__``); check each.

    ``exact``: compare as on the reference platform; otherwise with each example's tolerances.
    Every example runs, even after a failure, so one run reports every difference.
    """
    page.exact = exact
    namespace = {"__name__": "__main__"} if namespace is None else namespace
    fresh_state()
    for example in page.examples:
        options = example.example.options
        _execute(example, namespace, example.path)
        tolerance = {"rtol": None if exact else example.rtol, "atol": example.atol}
        ellipsis = bool(options.get(doctest.ELLIPSIS))
        expects_error = example.example.exc_msg is not None
        if example.error is None:
            example.passed = not expects_error and check(example.want, example.got, ellipsis=ellipsis, **tolerance)
        elif expects_error:
            example.error = None
            got = example.got.rsplit(_TRACEBACK, 1)[1]
            if options.get(doctest.IGNORE_EXCEPTION_DETAIL):
                example.passed = got.split(":")[0] == example.example.exc_msg.split(":")[0]
            else:
                example.passed = check(example.example.exc_msg, got, ellipsis=ellipsis, **tolerance)
    return page


def _display(example: Example, for_page: bool) -> list[str]:
    """The lines to show for an example: as printed, or as written back into a file (no CUDA device,
    ``<BLANKLINE>`` for an empty line, which would otherwise end the output for doctest)."""
    if not for_page:
        return example.got.splitlines()
    return [line or "<BLANKLINE>" for line in normalise(example.got).splitlines()] if example.got.strip() else []


def rewrite(page: Page, only_failures: bool = False) -> tuple[dict[str, list[tuple]], list[Example]]:
    """Where outputs change: ``{file: [(first line, end line, new lines, prompt line)]}`` (1-based).

    With ``only_failures`` (the update command) only failing examples, written as a page keeps them;
    otherwise (the build) every example, as printed. An example that raised where the page shows an
    output, or printed where it shows an exception, is left (returned second): a break, not drift.
    """
    edits: dict[str, list[tuple]] = {}
    left = []
    for example in page.examples:
        if only_failures and example.passed:
            continue
        if (example.example.exc_msg is not None) != example.raised:
            left.append(example)
            continue
        first = example.at + example.source.count("\n")
        span = [page.origins[i] for i in range(first, first + example.want.count("\n"))]
        path = page.name if not only_failures else example.path
        start = (
            (first + 1) if not only_failures else (span[0][1] if span else example.line + example.source.count("\n"))
        )
        if only_failures and any(o != (example.path, start + k) for k, o in enumerate(span)):
            left.append(example)  # the output's lines are not consecutive in one file
            continue
        prompt = example.line if only_failures else example.at + 1
        edit = (start, start + len(span), _display(example, only_failures), prompt)
        if edit not in edits.setdefault(path, []):  # an include shown twice is one place in its file
            edits[path].append(edit)
    return edits, left


def apply(text: str, edits: list[tuple]) -> str:
    """``text`` with the new output lines of ``edits`` (from [`rewrite`][dlref_site.examples.rewrite])
    spliced in, indented as each example's ``>>>`` line is."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    for start, stop, new, prompt in sorted(edits, reverse=True):
        indent = re.match(r"[ \t]*", lines[prompt - 1])[0]
        lines[start - 1 : stop - 1] = [(indent + s if s else s) + newline for s in new]
    return "".join(lines)
