"""The identity catalog: every true identity passes all three checks on every device, every false one
is rejected by each check, and the page's tables are exactly what the catalog renders."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from dlref.calculus.identities import (
    CATALOG,
    FALSE_IDENTITIES,
    MARK_END,
    MARK_START,
    Identity,
    catalog_markdown,
    render_into,
    verify_catalog,
)
from dlref.calculus.verify import verify

PAGE = Path(__file__).resolve().parents[2] / "docs/calculus/matrix-calculus.md"

# What the issue asks the catalog to cover, by name.
REQUIRED = {
    "linear-map",  # ∂(Ax)/∂x
    "row-vector-map",  # ∂(xᵀA)/∂x
    "inner-product",  # ∂(aᵀx)/∂x
    "quadratic-form",  # ∂(xᵀAx)/∂x
    "quadratic-form-hessian",  # and its Hessian
    "squared-norm",  # ∂‖x‖²/∂x
    "distance",  # ∂‖x − a‖/∂x
    "least-squares",  # ∂‖Ax − b‖²/∂x
    "bilinear",  # ∂(aᵀXb)/∂X
    "frobenius-norm",  # ∂‖X‖²_F/∂X
    "affine-frobenius",  # ∂‖AXB + C‖²_F/∂X
    "trace",
    "trace-AXB",
    "trace-XtBX",
    "trace-square",
    "determinant",
    "log-determinant",
    "inverse-bilinear",  # aᵀX⁻¹b
    "trace-inverse",  # Tr(AX⁻¹B)
    "linear-layer-weight",  # ∂L/∂W = g xᵀ
    "linear-layer-input",  # ∂L/∂x = Wᵀg
    "chain-rule",
    "sigmoid",
    "softmax-jacobian",
    "logsumexp",
    "softmax-cross-entropy",
}


def test_the_catalog_covers_the_list_and_names_are_unique() -> None:
    names = [identity.name for identity in CATALOG + FALSE_IDENTITIES]
    assert len(names) == len(set(names))
    assert len(CATALOG) >= 25
    assert len(FALSE_IDENTITIES) >= 3
    assert {identity.name for identity in CATALOG} >= REQUIRED
    for identity in CATALOG + FALSE_IDENTITIES:
        assert identity.source
        assert identity.derivative
        assert identity.denominator
        assert identity.numerator


def test_every_identity_passes_and_every_false_one_is_rejected(device: torch.device) -> None:
    """The whole catalog, all three checks, on one device (the CPU run's time is in the issue note)."""
    start = time.perf_counter()
    results = verify_catalog(CATALOG + FALSE_IDENTITIES, devices=[device])
    elapsed = time.perf_counter() - start
    for result in results[: len(CATALOG)]:
        assert result.passed, str(result)
        assert result.devices == (str(device),)
    for identity, result in zip(FALSE_IDENTITIES, results[len(CATALOG) :], strict=True):
        assert [check.passed for check in result.checks] == [False, False, False], str(result)
        assert set(result.autograd.point) == set(identity.shapes)
        assert "FALSE" in str(result)
    assert elapsed < 60, f"the catalog took {elapsed:.1f} s"  # about 4 s on one core: a guard, not a benchmark


def test_a_false_identity_reports_the_point_and_the_error_size() -> None:
    """The reported error is the real one: recompute it at the reported point."""
    identity = FALSE_IDENTITIES[0]  # 2Ax for a non-symmetric A
    check = identity.verify(devices=[torch.device("cpu")]).autograd
    x, A = check.point["x"], check.point["A"]
    true_gradient = torch.autograd.functional.jacobian(lambda v: v @ A @ v, x)
    assert check.error == pytest.approx((2 * A @ x - true_gradient).abs().max().item())
    assert check.error > 1e3 * check.tolerance


def test_the_page_shows_the_catalog_as_the_catalog_renders_it() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert page == render_into(page), (
        "docs/calculus/matrix-calculus.md is out of date: run "
        "`.venv/bin/python -m dlref.calculus.identities docs/calculus/matrix-calculus.md`"
    )


def test_render_into_needs_the_markers() -> None:
    with pytest.raises(ValueError, match="the page needs the markers"):
        render_into("# a page without markers\n")


@pytest.mark.parametrize("before", ["", "# Matrix calculus\n"])
@pytest.mark.parametrize("after", ["\n", f"\nA later block, kept: {MARK_START} old {MARK_END}\n"])
def test_render_into_replaces_the_first_marked_block_only(before: str, after: str) -> None:
    """The tables replace what lies between the first start marker (at the page's very start too)
    and the first end marker; the text around them, a later pair of markers included, is kept."""
    page = f"{before}{MARK_START}\nold tables\n{MARK_END}{after}"
    assert render_into(page) == f"{before}{MARK_START}\n\n{catalog_markdown()}\n{MARK_END}{after}"


def test_render_into_names_the_type_it_got_instead_of_a_str() -> None:
    with pytest.raises(TypeError, match=r"^render_into: page must be a str \(the page's text\), got bytes$"):
        render_into(f"{MARK_START}{MARK_END}".encode())


# ∂(aᵀx)/∂a = x: the inner product differentiated with respect to its second input, which no
# identity of the catalog does (they all take the first, wrt=None).
INNER_PRODUCT = next(identity for identity in CATALOG if identity.name == "inner-product")
INNER_PRODUCT_WRT_A = replace(
    INNER_PRODUCT, name="inner-product-wrt-a", wrt="a", claim=lambda x, a: x, sympy_claim=lambda x, a: x
)


@pytest.mark.parametrize(
    "identity", [CATALOG[0], FALSE_IDENTITIES[0], INNER_PRODUCT_WRT_A], ids=["true", "false", "true, wrt given"]
)
@pytest.mark.parametrize("arguments", [{}, {"points": 2, "seed": 7}], ids=["defaults", "given"])
def test_an_identity_verifies_as_verify_does_with_its_fields(identity: Identity, arguments: dict) -> None:
    """``Identity.verify`` is `verify` of the identity's functions, shapes and settings, its ``wrt``
    included, under its name, with the points and seed it is given, or verify's defaults (3 points,
    seed 0). A passed check's detail counts the points; a failure's point depends on the seed."""
    cpu = [torch.device("cpu")]
    ours = identity.verify(devices=cpu, **arguments)
    theirs = verify(
        identity.f,
        identity.claim,
        identity.shapes,
        wrt=identity.wrt,
        order=identity.order,
        domains=identity.domains,
        sympy_f=identity.sympy_f,
        sympy_claim=identity.sympy_claim,
        symbolic=identity.symbolic,
        points=arguments.get("points", 3),
        devices=cpu,
        seed=arguments.get("seed", 0),
        name=identity.name,
    )
    assert ours.name == identity.name
    assert str(ours) == str(theirs)
    assert [check.detail for check in ours.checks] == [check.detail for check in theirs.checks]
    if identity is not FALSE_IDENTITIES[0]:
        assert ours.passed, str(ours)
        assert ours.autograd.detail == f"{arguments.get('points', 3)} points per device"
    else:
        assert str(identity.verify(devices=cpu, seed=arguments.get("seed", 0) + 1)) != str(ours)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: catalog_markdown("linear-map"),
            "catalog_markdown: catalog must be a tuple or list of Identity, got str",
        ),
        (lambda: catalog_markdown(CATALOG, [CATALOG[0], 1]), "catalog_markdown: false[1] must be an Identity, got int"),
        (
            lambda: verify_catalog(CATALOG[0]),
            "verify_catalog: identities must be a tuple or list of Identity, got Identity",
        ),
    ],
)
def test_a_catalog_of_the_wrong_kind_is_named(call: Callable[[], object], message: str) -> None:
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        call()
