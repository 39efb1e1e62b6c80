r"""The output checker: does what an example printed show what the page shows?

On the reference platform (see [`platform`][dlref_site.cache.platform]) the texts must be equal
once memory addresses and the printed ``device='cuda:N'`` are normalised and trailing spaces
dropped. Elsewhere numbers are compared by value (floats within ``atol + rtol * |w|``, integers
exactly) and every other token exactly; a token is a number only where it stands alone, so
``3.1.1`` is text. With ``+ELLIPSIS`` an expected ``...`` matches anything. Nothing is ``eval``-ed.

Examples:
    >>> check("tensor([0.3333])", "tensor([0.3334])"), check("tensor([0.3333])", "tensor([0.33331])", rtol=1e-4)
    (False, True)
    >>> check("'3.1.1'", "'3.10.1'", rtol=1e-4)
    False
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ATOL", "RTOL", "check", "first_difference", "normalise"]

RTOL = 1e-4
"""Relative tolerance for floats off the reference platform (float32 noise, CUDA kernels)."""
ATOL = 1e-6
"""Absolute tolerance for floats off the reference platform (matters near zero)."""

_CUDA_DEVICE = re.compile(r",\s*device='cuda:\d+'")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>(?<!\w)(?<!\d\.)(?:\d+\.(?!\.\.)\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.]*\d)(?!\.\w))
  | (?P<ellipsis>\.\.\.)
  | (?P<symbol>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_SPECIAL = {"inf": math.inf, "nan": math.nan}
_CLOSERS = frozenset(")]}")


def normalise(text: str, printed: bool = True) -> str:
    r"""The text as compared: addresses made equal, trailing spaces dropped, and for what an example
    ``printed``, no ``device='cuda:N'``.

    Examples:
        >>> normalise("tensor([1.], device='cuda:0')  \n<X object at 0x7f00aa11bb22>\n<BLANKLINE>\n")
        'tensor([1.])\n<X object at 0xADDRESS>'
    """
    text = _CUDA_DEVICE.sub("", text) if printed else text  # only what ran may name its CUDA device
    text = _ADDRESS.sub("0xADDRESS", text.replace("<BLANKLINE>", ""))
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


@dataclass(frozen=True)
class _Token:
    text: str
    value: int | float | None = None  # None: compared as text


def _tokens(text: str) -> list[_Token]:
    """Numbers, words and single symbols; a minus sign that cannot be an operator joins its number."""
    tokens: list[_Token] = []
    space_before, minus_space_before = True, False
    for match in _TOKEN.finditer(text):
        kind, piece = match.lastgroup, match.group()
        if kind == "space":
            space_before = True
            continue
        value: int | float | None = None
        if kind == "number":
            value = float(piece) if "." in piece or "e" in piece.lower() else int(piece)
        elif kind == "word" and piece in _SPECIAL:
            value = _SPECIAL[piece]
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
        return want == got
    if isinstance(want.value, int) or isinstance(got.value, int):
        return type(want.value) is type(got.value) and want.value == got.value  # ``3`` is not ``3.``
    if math.isnan(want.value) or math.isnan(got.value):
        return math.isnan(want.value) and math.isnan(got.value)
    if math.isinf(want.value) or math.isinf(got.value):
        return want.value == got.value
    return abs(got.value - want.value) <= atol + rtol * abs(want.value)


def _pieces_match(pieces: Sequence[Sequence], got: Sequence, same) -> bool:
    """Whether ``got`` is ``pieces`` joined by arbitrary runs (an expected ``...`` between each)."""
    if len(pieces) == 1:
        return len(pieces[0]) == len(got) and all(same(w, g) for w, g in zip(pieces[0], got, strict=True))
    first, *middle, last = pieces
    if len(first) + len(last) > len(got):
        return False
    if not all(same(w, g) for w, g in zip(first, got[: len(first)], strict=True)):
        return False
    if last and not all(same(w, g) for w, g in zip(last, got[len(got) - len(last) :], strict=True)):
        return False
    position, stop = len(first), len(got) - len(last)
    for piece in middle:
        for start in range(position, stop - len(piece) + 1):
            if all(same(w, g) for w, g in zip(piece, got[start : start + len(piece)], strict=True)):
                position = start + len(piece)
                break
        else:
            return False
    return True


def check(want: str, got: str, *, rtol: float | None = None, atol: float = ATOL, ellipsis: bool = False) -> bool:
    r"""Whether ``got`` (what an example printed) shows what ``want`` (what the page shows) shows.

    ``rtol=None`` compares exactly (the reference platform); a number compares floats with
    $|g - w| \\le \\text{atol} + \\text{rtol}\\,|w|$. ``ellipsis``: ``...`` in ``want`` matches any text.

    Examples:
        >>> check("tensor(3)", "tensor(3.)", rtol=1e-4)
        False
        >>> check("Size([2, ...])", "Size([2, 3, 4])", ellipsis=True)
        True
    """
    want, got = normalise(want, printed=False), normalise(got)
    if rtol is None:
        pieces = want.split("...") if ellipsis else [want]
        return _pieces_match([list(p) for p in pieces], list(got), str.__eq__)
    wanted = _tokens(want)
    pieces: list[list[_Token]] = [[]]
    for token in wanted:
        if ellipsis and token.text == "...":
            pieces.append([])
        else:
            pieces[-1].append(token)
    return _pieces_match(pieces, _tokens(got), lambda w, g: _same(w, g, rtol, atol))


def first_difference(want: str, got: str, *, rtol: float | None = None, atol: float = ATOL) -> str:
    """Where ``got`` first departs from ``want``, for a failure report.

    Examples:
        >>> first_difference("tensor([1.0000, 2.0000])", "tensor([1.0000, 2.0001])")
        "first difference at line 1, column 22: expected '0', got '1' (compared exactly)"
        >>> first_difference("tensor([1.0000, 2.0000])", "tensor([1.0000, 2.1000])", rtol=1e-4)
        'first difference at token 5: expected 2.0000, got 2.1000 (rtol=0.0001, atol=1e-06)'
    """
    want, got = normalise(want, printed=False), normalise(got)
    if rtol is None:
        for index, (a, b) in enumerate(zip(want, got, strict=False)):
            if a != b:
                line = want.count("\n", 0, index) + 1
                column = index - (want.rfind("\n", 0, index) + 1) + 1
                return f"first difference at line {line}, column {column}: expected {a!r}, got {b!r} (compared exactly)"
        if len(want) == len(got):
            return "no difference"
        return f"the {'actual' if len(got) < len(want) else 'expected'} output ends early (compared exactly)"
    w, g = _tokens(want), _tokens(got)
    for index, (a, b) in enumerate(zip(w, g, strict=False)):
        if not _same(a, b, rtol, atol):
            numbers = a.value is not None and b.value is not None
            shown = f"{a.text}, got {b.text}" if numbers else f"{a.text!r}, got {b.text!r}"
            return f"first difference at token {index}: expected {shown} (rtol={rtol}, atol={atol})"
    if len(w) == len(g):
        return "no difference"
    return f"the {'actual' if len(g) < len(w) else 'expected'} output ends early, at token {min(len(w), len(g))}"
