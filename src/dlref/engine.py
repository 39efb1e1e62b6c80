r"""The page engine: run every example a page shows and compare each shown output with the real one.

A reference page is Markdown with fenced ``pycon`` blocks. The engine finds those blocks, runs their
examples top to bottom in one namespace (a fresh one for each page), and compares each expected
output with the actual output using a tensor-aware [`check`][dlref.engine.check]. The same engine
serves three callers, so the site cannot show an output that the tests did not check:

* pytest (the project's ``conftest.py``) runs every page and every docstring of ``dlref``;
* the site build (``dlref.mkdocs_plugin``) runs every page, fails on any mismatch, and shows the
  outputs of that run;
* ``scripts/update-outputs`` writes the actual outputs of failing examples back into the page,
  touching nothing else.

Parsing of the ``>>>`` examples inside a block is the standard library's `doctest`; running and
checking are here, because the output checker must understand tensors and never ``eval`` output.

Examples:
    >>> run = run_markdown("```pycon\n>>> import torch\n>>> torch.ones(2) / 3\ntensor([0.3333, 0.3333])\n```\n")
    >>> [(r.line, r.passed) for r in run.results]
    [(2, True), (3, True)]
    >>> check("tensor([0.3333, 0.3333])", "tensor([0.33332, 0.33331], device='cuda:0')")
    True
"""

from __future__ import annotations

import contextlib
import doctest
import io
import math
import re
import sys
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

__all__ = [
    "DEFAULT_ATOL",
    "DEFAULT_RTOL",
    "ExampleResult",
    "PageRun",
    "check",
    "find_docstrings",
    "first_difference",
    "rewrite_outputs",
    "run_docstring",
    "run_docstrings",
    "run_markdown",
    "run_page",
]

DEFAULT_RTOL = 1e-4
"""Relative tolerance for numbers in outputs: float32 noise and CPU-versus-CUDA kernels."""
DEFAULT_ATOL = 1e-6
"""Absolute tolerance for numbers in outputs (matters near zero)."""

_TRACEBACK_HEADER = "Traceback (most recent call last):"

# --------------------------------------------------------------------------------------------------
# The output checker: token by token, numbers by value, everything else exactly. Nothing is eval'd.

_CUDA_DEVICE = re.compile(r",\s*device='cuda:\d+'")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)
  | (?P<ellipsis>\.\.\.)
  | (?P<symbol>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_SPECIAL_FLOATS = {"inf": math.inf, "nan": math.nan}
_CLOSERS = frozenset(")]}")


@dataclass(frozen=True)
class _Token:
    text: str
    value: int | float | None = None  # None: compared as text

    def __str__(self) -> str:
        return self.text


def _tokens(text: str) -> list[_Token]:
    """Split output into numbers, words and single symbols; whitespace only separates tokens.

    A minus sign directly before a number is part of the number when it cannot be an operator:
    after an opening bracket or a comma (``[-1.5``), or after a space (numpy's ``[ 1 -2]``). In
    ``3-1`` it stays a symbol.
    """
    tokens: list[_Token] = []
    space_before = True  # was there whitespace just before the current token?
    minus_space_before = False  # ... and before the last token, when that was a minus sign
    for match in _TOKEN.finditer(text):
        kind, piece = match.lastgroup, match.group()
        if kind == "space":
            space_before = True
            continue
        value: int | float | None = None
        if kind == "number":
            value = float(piece) if "." in piece or "e" in piece.lower() else int(piece)
        elif kind == "word" and piece in _SPECIAL_FLOATS:
            value = _SPECIAL_FLOATS[piece]
        if value is not None and not space_before and tokens and tokens[-1].text == "-":
            before = tokens[-2] if len(tokens) > 1 else None
            operand = before is not None and (
                before.value is not None or before.text[-1].isalnum() or before.text in _CLOSERS
            )
            if minus_space_before or not operand:
                tokens[-1] = _Token("-" + piece, -value)
                space_before = False
                continue
        minus_space_before = space_before
        tokens.append(_Token(piece, value))
        space_before = False
    return tokens


def _same(want: _Token, got: _Token, rtol: float, atol: float) -> bool:
    if want.value is None or got.value is None:
        return want.text == got.text and want.value is None and got.value is None
    if isinstance(want.value, int) and isinstance(got.value, int):
        return want.value == got.value  # integers (shapes, counts, indices) exactly
    if isinstance(want.value, int) != isinstance(got.value, int):
        return False  # ``3`` versus ``3.``: an int tensor is not a float tensor
    if math.isnan(want.value) or math.isnan(got.value):
        return math.isnan(want.value) and math.isnan(got.value)
    if math.isinf(want.value) or math.isinf(got.value):
        return want.value == got.value
    return abs(got.value - want.value) <= atol + rtol * abs(want.value)


def _normalise(want: str, got: str) -> tuple[str, str]:
    want = want.replace("<BLANKLINE>", "")
    got = _CUDA_DEVICE.sub("", got)
    return _ADDRESS.sub("0xADDRESS", want), _ADDRESS.sub("0xADDRESS", got)


def _match(want: Sequence[_Token], got: Sequence[_Token], rtol: float, atol: float, ellipsis: bool) -> bool:
    if not ellipsis or not any(t.text == "..." for t in want):
        return len(want) == len(got) and all(_same(w, g, rtol, atol) for w, g in zip(want, got, strict=True))
    # With +ELLIPSIS an expected ``...`` matches any run of tokens: split on it and find each piece
    # in order, anchoring the first piece at the start and the last at the end.
    pieces: list[list[_Token]] = [[]]
    for token in want:
        if token.text == "...":
            pieces.append([])
        else:
            pieces[-1].append(token)
    first, *middle, last = pieces
    if len(first) + len(last) > len(got):
        return False
    if not _match(first, got[: len(first)], rtol, atol, False):
        return False
    if last and not _match(last, got[len(got) - len(last) :], rtol, atol, False):
        return False
    position, stop = len(first), len(got) - len(last)
    for piece in middle:
        for start in range(position, stop - len(piece) + 1):
            if _match(piece, got[start : start + len(piece)], rtol, atol, False):
                position = start + len(piece)
                break
        else:
            return False
    return True


def check(
    want: str, got: str, *, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL, ellipsis: bool = False
) -> bool:
    r"""Whether an actual output ``got`` shows what the expected output ``want`` shows.

    Both texts are split into tokens; whitespace only separates tokens. Numbers are compared by
    value: integers exactly, floating-point numbers with

    $$ |g - w| \le \text{atol} + \text{rtol} \cdot |w| $$

    (``nan`` equals ``nan``; an integer never equals a float, so ``tensor(3)`` is not
    ``tensor(3.)``). Every other token is compared exactly. Before that, ``device='cuda:N'`` is
    removed from the actual output, memory addresses (``0x7f...``) are made equal, and doctest's
    ``<BLANKLINE>`` marker is read as an empty line. With ``ellipsis``, an expected ``...`` matches
    any run of tokens. Nothing is ``eval``-ed.

    Args:
        want: the output the page shows.
        got: the output the example printed.
        rtol: relative tolerance for floating-point numbers.
        atol: absolute tolerance for floating-point numbers.
        ellipsis: whether ``...`` in ``want`` is a wildcard (doctest's ``+ELLIPSIS``).

    Returns:
        ``True`` when the outputs agree.

    Examples:
        >>> check("tensor([1.0000, 2.0000])", "tensor([1.00001, 2.0], device='cuda:0')")
        True
        >>> check("torch.Size([3, 2])", "torch.Size([3, 3])")
        False
        >>> check("tensor(3)", "tensor(3.)")
        False
        >>> check("tensor([1.5], grad_fn=<MulBackward0>)", "tensor([1.5], grad_fn=<AddBackward0>)")
        False
    """
    want, got = _normalise(want, got)
    return _match(_tokens(want), _tokens(got), rtol, atol, ellipsis)


def first_difference(want: str, got: str, *, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL) -> str:
    """Describe the first token where ``got`` departs from ``want``, for a failure message.

    Examples:
        >>> first_difference("tensor([1.0000, 2.0000])", "tensor([1.0000, 2.1000])")
        'first difference at token 5: expected 2.0000, got 2.1000 (rtol=0.0001, atol=1e-06)'
        >>> first_difference("torch.Size([3])", "torch.Size([3, 1])")
        "first difference at token 6: expected ']', got ','"
    """
    w, g = (_tokens(text) for text in _normalise(want, got))
    for index, (a, b) in enumerate(zip(w, g, strict=False)):
        if not _same(a, b, rtol, atol):
            if isinstance(a.value, float) or isinstance(b.value, float):
                return f"first difference at token {index}: expected {a}, got {b} (rtol={rtol}, atol={atol})"
            if a.value is not None and b.value is not None:
                return f"first difference at token {index}: expected {a}, got {b}"
            return f"first difference at token {index}: expected {str(a)!r}, got {str(b)!r}"
    if len(w) == len(g):
        return "no difference"
    shorter = "actual" if len(g) < len(w) else "expected"
    extra = (w if len(w) > len(g) else g)[min(len(w), len(g))]
    return f"the {shorter} output ends early, at token {min(len(w), len(g))} ({str(extra)!r})"


# --------------------------------------------------------------------------------------------------
# Finding the examples: ``pycon`` fences in Markdown, docstrings in modules.

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*?)\s*$")
_PYCON_INFO = re.compile(r"^(?:\{\s*\.?)?pycon\b")
_DIRECTIVE = re.compile(r"#\s*dlref:\s*(?P<args>.*)$", re.MULTILINE)
_PARSER = doctest.DocTestParser()


@dataclass
class ExampleResult:
    """One example, where it is, what it showed and what it printed.

    Attributes:
        example: the parsed `doctest.Example` (source, expected output, options).
        path: the file the example is in, as given to the engine.
        line: the 1-based line of the example's ``>>>`` in that file.
        indent: the indentation of the block in the file (blocks may sit in admonitions or tabs).
        got: what the example printed; for an exception, a doctest-style traceback (header, ``...``,
            the exception line).
        error: the full traceback of an exception that the page did not expect, else ``None``.
        rtol: the relative tolerance in force for this example.
        atol: the absolute tolerance in force for this example.
        skipped: whether the example carried ``# doctest: +SKIP`` and was not run.
        raised: whether running the example raised an exception (expected or not).
        passed: whether ``got`` shows what the page shows.
    """

    example: doctest.Example
    path: str
    line: int
    indent: str = ""
    got: str = ""
    error: str | None = None
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL
    skipped: bool = False
    raised: bool = False
    passed: bool = False

    @property
    def source(self) -> str:
        """The example's code, without prompts."""
        return self.example.source

    @property
    def want(self) -> str:
        """The output the page shows (for an exception: the traceback the page shows)."""
        return self.example.want

    @property
    def output_lines(self) -> range:
        """The 1-based lines of the file that hold the expected output (empty if there is none)."""
        first = self.line + self.source.count("\n")
        return range(first, first + self.want.count("\n"))

    def _where_output(self) -> str:
        """Where the expected output stands in the file, for the first line of a report."""
        lines = self.output_lines
        first, last = lines.start, lines.stop - 1
        if not lines:
            return f" (it shows no output; the output would go at line {first})"
        return f" (expected output at line {first})" if last == first else f" (expected output at lines {first}-{last})"

    def report(self) -> str:
        """A failure report: ``file:line``, the example's source, expected and actual output."""
        source = "".join(
            ("    >>> " if i == 0 else "    ... ") + line
            for i, line in enumerate(self.source.splitlines(keepends=True))
        )
        lines = [f"{self.path}:{self.line}: example did not show what the page shows{self._where_output()}"]
        lines.append(source.rstrip())
        if self.error is not None:
            expected = _indent(self.want) if self.want else "    (nothing)\n"
            lines += ["Expected:", expected.rstrip(), "Raised:", _indent(self.error).rstrip()]
            return "\n".join(lines)
        lines += [
            "Expected:",
            _indent(self.want).rstrip() if self.want else "    (nothing)",
            "Actual:",
            _indent(self.got).rstrip() if self.got else "    (nothing)",
            first_difference(self.want, self.got, rtol=self.rtol, atol=self.atol),
        ]
        return "\n".join(lines)


@dataclass
class PageRun:
    """The results of running one page (or one docstring): every example, in order.

    Attributes:
        path: the file, as given to the engine.
        results: one [`ExampleResult`][dlref.engine.ExampleResult] per example, in page order.
    """

    path: str
    results: list[ExampleResult] = field(default_factory=list)

    @property
    def failures(self) -> list[ExampleResult]:
        """The examples whose output differs from the page, or that raised unexpectedly."""
        return [r for r in self.results if not r.passed and not r.skipped]

    @property
    def passed(self) -> bool:
        """Whether every example that ran showed what the page shows."""
        return not self.failures

    def report(self) -> str:
        """All failures of the page, each naming ``file:line``, or a one-line summary."""
        if self.passed:
            ran = sum(not r.skipped for r in self.results)
            return f"{self.path}: {ran} examples, all outputs as shown"
        return "\n\n".join(r.report() for r in self.failures)


def _indent(text: str, prefix: str = "    ") -> str:
    return "".join(prefix + line for line in text.splitlines(keepends=True))


def _blocks(text: str) -> Iterator[tuple[int, str, list[str]]]:
    """Yield ``(first body line index, indent, body lines)`` for each ``pycon`` fence in ``text``.

    Fences of other languages are skipped whole, so a ``pycon`` fence shown inside a ``markdown``
    fence is not run.
    """
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent, fence, info = opening["indent"], opening["fence"], opening["info"]
        closing = re.compile(rf"^{re.escape(indent)}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if _PYCON_INFO.match(info):
            body = [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[i + 1 : end]]
            yield i + 1, indent, body
        i = end + 1


def _tolerances(example: doctest.Example, where: str) -> tuple[float, float]:
    """Read ``# dlref: rtol=1e-3 atol=1e-5`` from an example's source."""
    rtol, atol = DEFAULT_RTOL, DEFAULT_ATOL
    for directive in _DIRECTIVE.finditer(example.source):
        for setting in directive["args"].replace(",", " ").split():
            name, _, value = setting.partition("=")
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if name not in {"rtol", "atol"} or not number >= 0:
                raise ValueError(f"{where}: bad dlref directive {setting!r}: use rtol=<number> atol=<number>")
            if name == "rtol":
                rtol = number
            else:
                atol = number
    return rtol, atol


# --------------------------------------------------------------------------------------------------
# Running: one namespace per page, examples in order, stdout captured, exceptions recorded.


def _fresh_process_state() -> None:
    """Reset the global state a page could have changed, as a fresh interpreter would have it.

    Print options and the default dtype go back to torch's defaults, and torch's generator gets a
    non-deterministic seed as it does at start-up: a page that shows random numbers without calling
    ``torch.manual_seed`` first fails, as it would give a reader different numbers.
    """
    import numpy as np
    import torch

    torch.set_printoptions(profile="default", sci_mode=None)
    torch.set_default_dtype(torch.float32)
    np.set_printoptions(**_NUMPY_PRINT_DEFAULTS)
    torch.seed()


def _numpy_print_defaults() -> dict[str, object]:
    import numpy as np

    return dict(np.get_printoptions())


_NUMPY_PRINT_DEFAULTS = _numpy_print_defaults()


def _run_example(
    example: doctest.Example, namespace: dict[str, object], filename: str, line: int
) -> tuple[str, str | None]:
    """Run one example; return (what it printed, traceback if it raised).

    The code is compiled at its own line of the page, so tracebacks (and a crash's faulthandler
    dump) name ``page.md:line``.
    """
    buffer = io.StringIO()
    error: str | None = None
    with contextlib.redirect_stdout(buffer):
        try:
            code = compile("\n" * (line - 1) + example.source, filename, "single", dont_inherit=True)
            exec(code, namespace)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            tb = exc.__traceback__
            # Drop the engine's own frame so the traceback starts in the example.
            while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
                tb = tb.tb_next
            error = "".join(traceback.format_exception(type(exc), exc, tb))
            buffer.write(_TRACEBACK_HEADER + "\n  ...\n")
            buffer.write("".join(traceback.format_exception_only(type(exc), exc)))
    return buffer.getvalue(), error


def _evaluate(result: ExampleResult, namespace: dict[str, object], filename: str) -> None:
    example = result.example
    if example.options.get(doctest.SKIP):
        result.skipped = True
        return
    got, error = _run_example(example, namespace, filename, result.line)
    result.got = "\n".join(line.rstrip() for line in got.splitlines()) + ("\n" if got else "")
    result.raised = error is not None
    ellipsis = bool(example.options.get(doctest.ELLIPSIS))
    tolerances = {"rtol": result.rtol, "atol": result.atol, "ellipsis": ellipsis}
    if error is None:
        result.passed = example.exc_msg is None and check(example.want, result.got, **tolerances)
        return
    if example.exc_msg is None:
        result.error = error  # the page did not expect an exception
        return
    # The page expects an exception: compare the exception lines, not the stack.
    got_exception = result.got.rsplit(_TRACEBACK_HEADER + "\n  ...\n", 1)[1]
    if example.options.get(doctest.IGNORE_EXCEPTION_DETAIL):
        result.passed = got_exception.split(":", 1)[0] == example.exc_msg.split(":", 1)[0]
    else:
        result.passed = check(example.exc_msg, got_exception, **tolerances)


def _run(results: list[ExampleResult], namespace: dict[str, object], filename: str) -> None:
    _fresh_process_state()
    for result in results:
        _evaluate(result, namespace, filename)


def _result(example: doctest.Example, path: str, first_line: int, indent: str = "") -> ExampleResult:
    """An example found in ``path``, whose text starts at 0-based ``first_line``."""
    line = first_line + example.lineno + 1
    rtol, atol = _tolerances(example, f"{path}:{line}")
    return ExampleResult(example, path, line, indent, rtol=rtol, atol=atol)


def _markdown_examples(text: str, path: str) -> list[ExampleResult]:
    return [
        _result(example, path, start, indent)
        for start, indent, body in _blocks(text)
        for example in _PARSER.get_examples("\n".join(body) + "\n", name=path)
    ]


def run_markdown(text: str, path: str = "<page>") -> PageRun:
    r"""Run the ``pycon`` examples of Markdown ``text`` top to bottom in one fresh namespace.

    Every example runs, even after a failure, so one run reports every difference in the page.

    Args:
        text: the page's Markdown.
        path: the name used in reports (``path:line``).

    Returns:
        The [`PageRun`][dlref.engine.PageRun], one result per example.

    Examples:
        >>> run = run_markdown("```pycon\n>>> x = 1 + 1\n>>> x\n3\n```\n", "demo.md")
        >>> [(r.line, r.passed) for r in run.results]
        [(2, True), (3, False)]
        >>> print(run.report().splitlines()[0])
        demo.md:3: example did not show what the page shows (expected output at line 4)
        >>> run.failures[0].want, run.failures[0].got
        ('3\n', '2\n')
    """
    run = PageRun(path, _markdown_examples(text, path))
    _run(run.results, {"__name__": "__main__"}, path)
    return run


def run_page(path: str | Path) -> PageRun:
    r"""Run a Markdown page from disk; reports name ``path:line``.

    Examples:
        >>> import pathlib, tempfile
        >>> folder = tempfile.TemporaryDirectory()
        >>> page = pathlib.Path(folder.name) / "page.md"
        >>> _ = page.write_text("```pycon\n>>> 2 ** 10\n1024\n```\n", encoding="utf-8")
        >>> run_page(page).passed
        True
        >>> folder.cleanup()
    """
    return run_markdown(Path(path).read_text(encoding="utf-8"), str(path))


def find_docstrings(module: ModuleType) -> list[doctest.DocTest]:
    """The docstrings of ``module`` that have examples, in the order doctest finds them."""
    return [test for test in doctest.DocTestFinder(exclude_empty=True).find(module) if test.examples]


def run_docstring(test: doctest.DocTest) -> PageRun:
    """Run one docstring's examples with the same checker as the pages.

    The docstring runs in a copy of its module's globals, as doctest does; reports name the
    module's file and the example's line in it.

    Args:
        test: a docstring, from [`find_docstrings`][dlref.engine.find_docstrings].

    Returns:
        A [`PageRun`][dlref.engine.PageRun] whose ``path`` is ``file::qualified.name``.

    Examples:
        >>> import dlref.device
        >>> [run_docstring(t).passed for t in find_docstrings(dlref.device)]
        [True, True, True]
    """
    filename = test.filename or test.name
    results = [_result(example, filename, test.lineno or 0) for example in test.examples]
    _run(results, dict(test.globs), filename)
    return PageRun(f"{filename}::{test.name}", results)


def run_docstrings(module: ModuleType) -> list[PageRun]:
    """Run every docstring of ``module`` that has examples; one [`PageRun`][dlref.engine.PageRun] each."""
    return [run_docstring(test) for test in find_docstrings(module)]


# --------------------------------------------------------------------------------------------------
# Writing outputs back: the build shows actual outputs; update-outputs rewrites failing ones.


def _display(result: ExampleResult, *, for_doctest: bool) -> str:
    """The text to show as an example's output: what it printed.

    Written back into a page (``for_doctest``), the output loses ``device='cuda:N'``, which the
    checker ignores, so a page updated on a GPU machine still passes on a CPU; and a blank line
    becomes ``<BLANKLINE>``, which would otherwise end the output for doctest's parser. The built
    page shows the output as printed, device included.
    """
    text = result.got
    if for_doctest:
        text = _CUDA_DEVICE.sub("", text)
        text = "".join("<BLANKLINE>\n" if not line.strip() else line for line in text.splitlines(keepends=True))
    return text


def _splice(text: str, outputs: dict[int, tuple[ExampleResult, str]]) -> str:
    """Replace the expected-output lines of the examples at the given 1-based lines."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    for line_number in sorted(outputs, reverse=True):
        result, output = outputs[line_number]
        where = result.output_lines
        lines[where.start - 1 : where.stop - 1] = [result.indent + line + newline for line in output.splitlines()]
    return "".join(lines)


def rewrite_outputs(text: str, run: PageRun, *, only_failures: bool = True) -> tuple[str, list[ExampleResult]]:
    r"""Write actual outputs into ``text`` in place of the expected ones; change nothing else.

    With ``only_failures`` (the update command) only examples whose output differs are rewritten, so
    a page that passes comes back byte for byte. Without it (the site build) every example shows
    its actual output. An example that raised where the page shows an output, or that printed where
    the page shows an exception, is not rewritten: that is a break to fix, not drift to record.

    Args:
        text: the page the ``run`` was made from.
        run: the [`PageRun`][dlref.engine.PageRun] of ``text``.
        only_failures: rewrite only the examples that failed.

    Returns:
        The new text, and the failed examples that were left as they are.

    Examples:
        >>> page = "```pycon\n>>> 6 * 7\n41\n>>> print('ok')\nok\n```\n"
        >>> new, left = rewrite_outputs(page, run_markdown(page))
        >>> new.splitlines()
        ['```pycon', '>>> 6 * 7', '42', ">>> print('ok')", 'ok', '```']
        >>> left
        []
    """
    outputs: dict[int, tuple[ExampleResult, str]] = {}
    left: list[ExampleResult] = []
    for result in run.results:
        if result.skipped or (only_failures and result.passed):
            continue
        if (result.example.exc_msg is not None) != result.raised:  # a break, not drift
            left.append(result)
            continue
        outputs[result.line] = (result, _display(result, for_doctest=only_failures))
    return _splice(text, outputs), left


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dlref.engine [--check] PAGE...``: rewrite (or just check) pages' outputs."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="scripts/update-outputs",
        description="Run pages and write the actual output of every failing example back into them.",
    )
    parser.add_argument("pages", nargs="*", type=Path, help="Markdown pages (default: every page under docs/)")
    parser.add_argument("--check", action="store_true", help="only report differences; write nothing")
    args = parser.parse_args(argv)
    pages = args.pages or sorted(Path("docs").rglob("*.md"))
    status = 0
    for page in pages:
        if not page.is_file():
            print(f"{page}: no such page", file=sys.stderr)
            status = 2
            continue
        text = page.read_text(encoding="utf-8")
        run = run_markdown(text, str(page))
        if run.passed:
            print(f"{page}: up to date ({len(run.results)} examples)")
            continue
        if args.check:
            print(run.report(), file=sys.stderr)
            status = 1
            continue
        new, left = rewrite_outputs(text, run)
        if new != text:
            page.write_text(new, encoding="utf-8", newline="")
        written = len(run.failures) - len(left)
        print(f"{page}: rewrote {written} output(s)")
        for result in left:
            print(result.report(), file=sys.stderr)
            print("(not rewritten: fix the example or the page)\n", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
