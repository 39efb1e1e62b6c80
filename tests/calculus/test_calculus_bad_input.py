"""Messy input to `dlref.calculus`: the formula's result, or the documented error naming the argument.

torch has no difference quotients: the reference is the formula written with torch operations and
no checks (vectorised where dlref loops), so a check of dlref's that refuses what the bare formula
would compute shows as ``refused`` in the counts. `verify` is checked on a true and a false claim
with messy shapes, orders, domains, point counts and devices; the catalog functions with pages
and catalogs of the wrong kind. See ``tests/messy.py``.
"""

from __future__ import annotations

import math

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.calculus.derivatives import central_difference, difference_quotient, numerical_gradient, numerical_jacobian
from dlref.calculus.identities import (
    CATALOG,
    FALSE_IDENTITIES,
    MARK_END,
    MARK_START,
    catalog_markdown,
    render_into,
    verify_catalog,
)
from dlref.calculus.verify import verify
from dlref.device import DeviceError
from messy import check, shapes, tensors
from profiles import scaled

messy = settings(max_examples=scaled(30))

FUNCTIONS = {
    "sum of squares": lambda v: (v**2).sum(),
    "sin": torch.sin,
    "python float": lambda v: float(v.detach().sum()),
    "doubled": lambda v: 2 * v,
}
steps = st.sampled_from([1e-3, 1e-6, 1e-3, 0, -1e-3, math.nan, math.inf, True, "0.1"])


def _columns(f, x: torch.Tensor, h: float) -> torch.Tensor:
    """Central differences along each basis vector, stacked as columns: no checks."""
    flat = x.detach().reshape(-1)
    if flat.numel() == 0:  # torch's empty Jacobian; torch fails to stack nothing when f(x) is empty too
        value = f(x)
        if isinstance(value, torch.Tensor) and value.numel() == 0:
            return value.new_zeros((*value.shape, *x.shape))
        return torch.autograd.functional.jacobian(f, x)
    E = torch.zeros(flat.numel(), flat.numel(), dtype=flat.dtype, device=flat.device).fill_diagonal_(h)
    return torch.stack(
        [(f((flat + e).reshape(x.shape)) - f((flat - e).reshape(x.shape))).reshape(-1) / (2 * h) for e in E], dim=1
    )


@messy
@given(data=st.data(), name=st.sampled_from(list(FUNCTIONS)), h=steps)
def test_derivatives(device: torch.device, data: st.DataObject, name: str, h: object) -> None:
    f = FUNCTIONS[name]
    x = data.draw(tensors(device, shape=shapes(max_dims=2, max_side=3)) | st.just([1.0, 2.0]))
    names = ("x", "h", "f")
    check(
        "difference_quotient",
        lambda: difference_quotient(f, x, h),
        lambda: (f(x + h) - f(x)) / h,
        raises=(TypeError, ValueError),
        names=names,
    )
    check(
        "central_difference",
        lambda: central_difference(f, x, h),
        lambda: (f(x + h) - f(x - h)) / (2 * h),
        raises=(TypeError, ValueError),
        names=names,
    )
    check(
        "numerical_gradient",
        lambda: numerical_gradient(f, x, h),
        lambda: _columns(f, x, h).reshape(x.shape),
        raises=(TypeError, ValueError),
        names=names,
    )
    check(
        "numerical_jacobian",
        lambda: numerical_jacobian(f, x, h),
        lambda: _columns(f, x, h).reshape((*f(x).shape, *x.shape)),
        raises=(TypeError, ValueError),
        names=names,
    )


sizes = st.integers(1, 3) | st.integers(1, 3) | st.sampled_from([0, -1, 2.5, "3", None])


@settings(max_examples=scaled(20))
@given(  # each argument valid most of the time, so that some calls are valid throughout
    size=sizes,
    true_claim=st.booleans(),
    wrt=st.sampled_from([None, None, "x", "y"]),
    order=st.sampled_from([1, 1, 1, 1, 2, 3]),
    domain=st.sampled_from([None, None, None, None, "general", "positive", "spd", "galaxy"]),
    points=st.sampled_from([1, 2, 1, 2, 0, -1, 1.5]),
    devices=st.sampled_from([None, None, None, None, None, ["cpu"], ["gpu"], "cpu"]),
)
def test_verify(
    size: object, true_claim: bool, wrt: str | None, order: int, domain: str | None, points: object, devices: object
) -> None:
    """A true claim passes, a false one fails, and bad arguments are named."""

    def f(x: torch.Tensor) -> torch.Tensor:
        return (x**3).sum()

    def claim(x: torch.Tensor) -> torch.Tensor:
        if order == 2:
            return torch.diag(6 * x) if true_claim else torch.diag(3 * x)
        return 3 * x**2 if true_claim else 2 * x

    def expected() -> tuple[bool, bool]:
        return (true_claim, true_claim)

    def ours() -> tuple[bool, bool]:
        result = verify(
            f,
            claim,
            {"x": (size,)},
            wrt=wrt,
            order=order,
            domains=None if domain is None else {"x": domain},
            points=points,
            devices=devices,
        )
        return (result.autograd.passed, result.finite_differences.passed)

    def reference() -> tuple[bool, bool]:
        """What is valid, by the docstring's contract and torch's own checks."""
        torch.empty(size)  # a size torch takes: an int of at least 0
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError("size")
        if size == 0 or wrt == "y" or order not in (1, 2) or domain not in (None, "general", "positive"):
            raise ValueError("not a valid call")
        if isinstance(points, bool) or not isinstance(points, int) or points < 1:
            raise ValueError("points")
        if devices == ["gpu"] or devices == "cpu":  # not a device; one device, not a list
            raise ValueError("devices")
        return expected()

    check(
        "verify",
        ours,
        reference,
        raises=(TypeError, ValueError, DeviceError),
        names=("shapes", "wrt", "order", "domain", "domains", "points", "devices"),
    )


text = st.text(alphabet="ab\n<-", max_size=8)


@settings(max_examples=scaled(20))
@given(before=text, inside=text, after=text, layout=st.sampled_from(["in order", "reversed", "no end", "bytes"]))
def test_render_into(before: str, inside: str, after: str, layout: str) -> None:
    """The generated tables replace what lies between the markers, and only that."""
    if layout == "in order":
        page = f"{before}{MARK_START}{inside}{MARK_END}{after}"
    elif layout == "reversed":
        page = f"{before}{MARK_END}{inside}{MARK_START}{after}"
    else:
        page = f"{before}{MARK_START}{inside}"
    page = page.encode() if layout == "bytes" else page

    def reference() -> str:
        if layout != "in order":
            raise ValueError(layout)
        return f"{before}{MARK_START}\n\n{catalog_markdown()}\n{MARK_END}{after}"

    check(
        "render_into", lambda: render_into(page), reference, raises=(TypeError, ValueError), names=("page", "markers")
    )


@settings(max_examples=scaled(10))
@given(
    catalog=st.sampled_from(["identities", "one", "not identities", "a string"]),
    devices=st.sampled_from([None, ["cpu"], ["gpu"]]),
)
def test_catalog_functions(catalog: str, devices: object) -> None:
    identities = {
        "identities": CATALOG[:1],
        "one": CATALOG[0],
        "not identities": [CATALOG[0], "linear-map"],
        "a string": "linear-map",
    }[catalog]

    def valid() -> None:
        if catalog != "identities":
            raise TypeError(catalog)

    def reference_rows() -> int:
        valid()
        return 1 + len(FALSE_IDENTITIES)  # one row per identity, true and false

    def reference_marks() -> list[str]:
        valid()
        if devices == ["gpu"]:
            raise ValueError("not a device")
        return ["✓ ✓ ✓"]

    check(
        "catalog_markdown",
        lambda: sum(line.startswith(("| 1 |", "| F")) for line in catalog_markdown(identities).splitlines()),
        reference_rows,
        raises=(TypeError,),
        names=("catalog",),
    )
    check(
        "verify_catalog",
        lambda: [result.marks() for result in verify_catalog(identities, devices=devices)],
        reference_marks,
        raises=(TypeError, DeviceError),
        names=("identities", "devices"),
    )
