"""Checks `dlref.autograd.engine` against torch.autograd, on every available device.

A *program* is a random expression graph: leaves with random shapes (variants of one base shape, so
that most pairs broadcast) and random float64 values, then steps that apply the engine's operations
to earlier nodes. `run` builds the same program twice, once from `Value`s and once from torch
tensors with ``requires_grad=True`` (the engine's methods carry torch's names, so one function builds
both), back-propagates the same random output gradient through each, and compares every leaf's grad.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlref.autograd.engine import Value, unbroadcast
from messy import same
from profiles import scaled

on_each_device = settings(max_examples=scaled(30))

# Each operation as a function of nodes (Values or tensors) and drawn arguments. Operations whose
# domain is limited get an input that stays inside it: log of a sigmoid (in (0, 1)), a division by
# 1 + b², an exp of a tanh (no overflow), a negative or fractional power of 1 + a².
UNARY: dict[str, Callable] = {
    "neg": lambda a: -a,
    "exp": lambda a: a.tanh().exp(),
    "log": lambda a: a.sigmoid().log(),
    "relu": lambda a: a.relu(),
    "sigmoid": lambda a: a.sigmoid(),
    "tanh": lambda a: a.tanh(),
    "square": lambda a: a**2,
    "cube": lambda a: a**3,
    "rsqrt": lambda a: (a * a + 1) ** -0.5,
    "add_number": lambda a: a + 1.5,
    "number_sub": lambda a: 2.0 - a,
    "number_mul": lambda a: 0.5 * a,
    "number_div": lambda a: 3.0 / (1 + a * a),
}
BINARY: dict[str, Callable] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1),
}


@dataclass
class Program:
    """Leaves (values), then steps; a step is (kind, name, node indices, keyword arguments)."""

    leaves: list[list[float]] = field(default_factory=list)
    shapes: list[tuple[int, ...]] = field(default_factory=list)
    steps: list[tuple[str, str, tuple[int, ...], dict]] = field(default_factory=list)


def apply(kind: str, name: str, nodes: list, args: tuple[int, ...], kwargs: dict, leaf: Callable) -> object:
    """One step on Values or on tensors: ``leaf(i)`` makes leaf ``i`` in the right kind."""
    if kind == "leaf":
        return leaf(args[0])
    inputs = [nodes[i] for i in args]
    if kind == "unary":
        return UNARY[name](*inputs)
    if kind == "binary":
        return BINARY[name](*inputs)
    if kind == "matmul":
        return inputs[0] @ inputs[1]
    if kind == "reduce":
        return getattr(inputs[0], name)(**kwargs)
    return inputs[0].reshape(kwargs["shape"])  # reshape


def shapes_of(program: Program) -> list[tuple[int, ...]]:
    """The shape of every node, by running the program on zeros (small: cheaper than the meta device)."""
    nodes: list = []
    for kind, name, args, kwargs in program.steps:
        leaf = lambda i: torch.zeros(program.shapes[i], dtype=torch.float64)  # noqa: E731
        nodes.append(apply(kind, name, nodes, args, kwargs, leaf))
    return [tuple(node.shape) for node in nodes]


def values(draw: st.DrawFn, shape: tuple[int, ...]) -> list[float]:
    return draw(st.lists(st.floats(-2, 2, width=64), min_size=math.prod(shape), max_size=math.prod(shape)))


def add_leaf(draw: st.DrawFn, program: Program, shape: tuple[int, ...]) -> None:
    program.leaves.append(values(draw, shape))
    program.shapes.append(shape)
    program.steps.append(("leaf", "", (len(program.leaves) - 1,), {}))


@st.composite
def programs(draw: st.DrawFn, kinds: tuple[str, ...] = ("unary", "binary", "matmul", "reduce", "reshape")) -> Program:
    """A random expression graph of 1 to 3 leaves and 1 to 6 operations on shapes of up to 3 axes."""
    base = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=3)))
    program = Program()
    for i in range(draw(st.integers(1, 3))):  # leaves: the first has the base shape; the others
        # may drop leading axes and have axes of size 1 (one in four), to be broadcast
        shape = base if i == 0 else base[draw(st.sampled_from([0, 0, *range(len(base) + 1)])) :]
        add_leaf(draw, program, tuple(1 if i and draw(st.integers(0, 3)) == 0 else n for n in shape))
    for _ in range(draw(st.integers(1, 6))):
        shapes = shapes_of(program)
        kind = draw(st.sampled_from(kinds))
        last = len(shapes) - 1
        a = draw(st.integers(0, last) | st.just(last))
        if kind == "unary":
            program.steps.append((kind, draw(st.sampled_from(sorted(UNARY))), (a,), {}))
        elif kind == "binary":
            partners = [b for b, s in enumerate(shapes) if broadcasts(s, shapes[a])]
            program.steps.append(
                (kind, draw(st.sampled_from(sorted(BINARY))), (a, draw(st.sampled_from(partners))), {})
            )
        elif kind == "matmul":
            if len(shapes[a]) < 2:  # make it a matrix first
                program.steps.append(("reshape", "", (a,), {"shape": (-1, 1) if draw(st.booleans()) else (1, -1)}))
                a, shapes = len(shapes), shapes_of(program)
            batch = shapes[a][:-2][draw(st.integers(0, len(shapes[a]) - 2)) :]  # (..., k, m), fewer batch axes
            add_leaf(
                draw,
                program,
                (*(1 if draw(st.booleans()) else n for n in batch), shapes[a][-1], draw(st.integers(1, 3))),
            )
            program.steps.append(("matmul", "", (a, len(shapes)), {}))
        elif kind == "reduce":
            n = len(shapes[a])
            dim = (
                draw(st.none() | st.integers(-n, n - 1) | st.lists(st.integers(0, n - 1), unique=True, min_size=1))
                if n
                else None
            )
            program.steps.append(
                (kind, draw(st.sampled_from(["sum", "mean"])), (a,), {"dim": dim, "keepdim": draw(st.booleans())})
            )
        else:
            shape = shapes[a]
            target = draw(st.sampled_from([(-1,), tuple(reversed(shape)), (*shape, 1), (1, *shape)]))
            program.steps.append(("reshape", "", (a,), {"shape": target}))
    return program


def broadcasts(s: tuple[int, ...], t: tuple[int, ...]) -> bool:
    try:
        torch.broadcast_shapes(s, t)
    except RuntimeError:
        return False
    return True


def run(program: Program, make: Callable[[torch.Tensor], object]) -> tuple[list, object]:
    """Build the program from leaves ``make(tensor)``; return the leaves and the last node."""
    leaves: list = []

    def leaf(i: int) -> object:
        leaves.append(make(torch.tensor(program.leaves[i], dtype=torch.float64).reshape(program.shapes[i])))
        return leaves[-1]

    nodes: list = []
    for kind, name, args, kwargs in program.steps:
        nodes.append(apply(kind, name, nodes, args, kwargs, leaf))
    return leaves, nodes[-1]


def assert_same_gradients(program: Program, device: torch.device, seed: int) -> None:
    ours_leaves, ours = run(program, lambda t: Value(t.to(device)))
    torch_leaves, expected = run(program, lambda t: t.to(device).requires_grad_())
    assert isinstance(ours, Value)
    assert ours.shape == expected.shape
    torch.testing.assert_close(ours.data, expected.detach(), rtol=1e-9, atol=1e-12)
    gradient = torch.randn(expected.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    ours.backward(gradient.to(device))
    expected.backward(gradient.to(device))
    for mine, theirs in zip(ours_leaves, torch_leaves, strict=True):
        if theirs.grad is None:  # the output does not depend on this leaf
            assert mine.grad is None
        else:
            assert mine.grad.shape == theirs.shape
            torch.testing.assert_close(mine.grad, theirs.grad, rtol=1e-7, atol=1e-10)


@on_each_device
@given(program=programs(), seed=st.integers(0, 2**31))
def test_random_graphs_have_torchs_gradients(program: Program, seed: int, device: torch.device) -> None:
    """Any mix of operations, shapes and broadcasting: the output and every leaf's grad are torch's."""
    assert_same_gradients(program, device, seed)


@pytest.mark.parametrize("kind", ["unary", "binary", "matmul", "reduce", "reshape"])
@settings(max_examples=scaled(10))
@given(data=st.data())
def test_each_kind_of_operation_alone(kind: str, data: st.DataObject, device: torch.device) -> None:
    """Graphs of one kind of operation, so that each kind is drawn often whatever the mix above draws."""
    assert_same_gradients(data.draw(programs(kinds=(kind,))), device, data.draw(st.integers(0, 2**31)))


# Semantics that torch.autograd shares ------------------------------------------------------------


def test_backward_twice_accumulates_like_torch(device: torch.device) -> None:
    """Two backward passes add up in the leaves (a shared intermediate is not counted twice), and
    zero_grad starts again."""
    data = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, device=device)
    x, t = Value(data), data.clone().requires_grad_()
    ours, theirs = x.tanh() * x.tanh(), t.tanh() * t.tanh()  # tanh(x) feeds mul twice
    for _ in range(2):
        ours.sum().backward()
        theirs.sum().backward(retain_graph=True)
        torch.testing.assert_close(x.grad, t.grad)
    x.zero_grad()
    assert x.grad is None


def test_topological_order_puts_parents_first() -> None:
    """Every node comes after its parents, each node once, the output last."""
    a, b = Value(1.0, name="a"), Value(2.0, name="b")
    c = a * b
    out = (c + a).exp() / c
    order = out.topological_order()
    assert order[-1] is out
    assert len(order) == len({id(node) for node in order})
    position = {id(node): i for i, node in enumerate(order)}
    assert all(position[id(parent)] < position[id(node)] for node in order for parent in node.parents)


def test_a_long_chain_needs_no_recursion() -> None:
    """1500 operations in a row, beyond Python's recursion limit: the gradient of x + 1500 * 0.5 is 1."""
    x = Value(torch.tensor(1.0, dtype=torch.float64))
    y = x
    for _ in range(1500):
        y = y + 0.5
    y.backward()
    assert y.data.item() == 751.0
    assert x.grad.item() == 1.0


@pytest.mark.parametrize(
    ("grad_shape", "shape", "expected"),
    [((2, 3), (3,), [2.0, 2.0, 2.0]), ((2, 3), (2, 1), [[3.0], [3.0]]), ((2, 3), (), 6.0), ((2, 3), (2, 3), None)],
)
def test_unbroadcast_sums_the_copies(grad_shape: tuple, shape: tuple, expected: object) -> None:
    """Leading axes and stretched axes of size 1 are summed; the same shape is left alone."""
    grad = torch.ones(grad_shape)
    out = unbroadcast(grad, shape)
    assert out.shape == shape
    if expected is None:
        assert out is grad
    else:
        assert out.tolist() == expected


# Bad input ---------------------------------------------------------------------------------------


def test_backward_of_a_non_scalar_needs_a_gradient() -> None:
    """Like torch: no implicit gradient for a non-scalar; the message names the shape."""
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (torch.ones(2, 3, requires_grad=True) * 2).backward()
    with pytest.raises(RuntimeError, match=re.escape("only for a scalar, but this Value has shape (2, 3)")):
        (Value(torch.ones(2, 3)) * 2).backward()


def test_backward_gradient_of_the_wrong_shape() -> None:
    with pytest.raises(ValueError, match=re.escape("gradient has shape (3,) but this Value has shape (2, 3)")):
        Value(torch.ones(2, 3)).exp().backward(torch.ones(3))


@pytest.mark.parametrize(("kind", "name"), [("unary", name) for name in UNARY] + [("binary", name) for name in BINARY])
@settings(max_examples=scaled(5))
@given(data=st.data())
def test_each_operation_alone_has_torchs_gradient(
    kind: str, name: str, data: st.DataObject, device: torch.device
) -> None:
    """Every operation, each in a graph of its own: the random graphs above draw from a mix, and a
    run that draws the same examples every time may never draw one of them."""
    program = Program()
    shape = tuple(data.draw(st.lists(st.integers(1, 4), max_size=3)))
    for _ in range(1 if kind == "unary" else 2):
        add_leaf(data.draw, program, shape)
    program.steps.append((kind, name, (0,) if kind == "unary" else (0, 1), {}))
    assert_same_gradients(program, device, data.draw(st.integers(0, 2**31)))


@pytest.mark.parametrize(
    ("make", "op"),
    [
        (lambda a, b: a.exp(), "exp"),
        (lambda a, b: a.log(), "log"),
        (lambda a, b: a.relu(), "relu"),
        (lambda a, b: a.sigmoid(), "sigmoid"),
        (lambda a, b: a.tanh(), "tanh"),
        (lambda a, b: -a, "neg"),
        (lambda a, b: a + b, "add"),
        (lambda a, b: 1.0 + a, "add"),
        (lambda a, b: a - b, "sub"),
        (lambda a, b: 1.0 - a, "sub"),
        (lambda a, b: a * b, "mul"),
        (lambda a, b: 2.0 * a, "mul"),
        (lambda a, b: a / b, "div"),
        (lambda a, b: 1.0 / a, "div"),
        (lambda a, b: a @ b, "matmul"),
        (lambda a, b: a**2, "pow"),
        (lambda a, b: a.reshape(-1), "reshape"),
        (lambda a, b: a.sum(), "sum"),
    ],
)
def test_each_operation_names_itself_in_op(make: Callable, op: str) -> None:
    """``op`` is the operation that made a Value (``repr`` shows it), reflected operators included."""
    a, b = Value(torch.ones(2, 2), name="a"), Value(torch.ones(2, 2), name="b")
    assert make(a, b).op == op


def test_reflected_operators_name_their_operation_in_errors() -> None:
    with pytest.raises(ValueError, match=re.escape("div: shapes (2,) and (3,) do not broadcast")):
        torch.ones(3) / Value(torch.ones(2))
    with pytest.raises(ValueError, match=re.escape("sub: shapes (2,) and (3,) do not broadcast")):
        torch.ones(3) - Value(torch.ones(2))


OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


@pytest.mark.parametrize(("op", "symbol"), [("add", "+"), ("sub", "-"), ("mul", "*"), ("div", "/")])
def test_shapes_that_do_not_broadcast_are_named(op: str, symbol: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"{op}: shapes (2, 3) and (4,) do not broadcast")):
        OPERATORS[symbol](Value(torch.ones(2, 3)), Value(torch.ones(4)))


@pytest.mark.parametrize(
    ("left", "right", "message"),
    [
        ((2, 3), (4, 5), "matmul: shapes (2, 3) and (4, 5) do not chain"),
        ((3,), (3, 2), "matmul: shapes (3,) and (3, 2) do not chain"),
        ((2, 3), (3,), "matmul: shapes (2, 3) and (3,) do not chain"),
        ((2, 2, 3), (4, 3, 1), "matmul: batch shapes (2,) and (4,) do not broadcast"),
    ],
)
def test_matmul_shape_errors(left: tuple, right: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        Value(torch.ones(left)) @ Value(torch.ones(right))


def test_reshape_and_dim_errors_name_the_shape() -> None:
    x = Value(torch.ones(2, 3))
    with pytest.raises(ValueError, match=re.escape("cannot reshape shape (2, 3) (6 elements) to (4,)")):
        x.reshape(4)
    with pytest.raises(IndexError, match=re.escape("sum: dim 2 is out of range for shape (2, 3)")):
        x.sum(dim=2)
    with pytest.raises(IndexError, match=re.escape("mean: dim (0, -3) is out of range for shape (2, 3)")):
        x.mean(dim=(0, -3))
    with pytest.raises(ValueError, match=re.escape("sum: dim (1, -1) repeats an axis")):
        x.sum(dim=(1, -1))


def test_data_and_operands_of_the_wrong_kind() -> None:
    with pytest.raises(TypeError, match=r"floating-point data .* got dtype=torch\.int64"):
        Value(torch.arange(3))
    with pytest.raises(TypeError, match=r"^Value: data must be a tensor, a real number .* got str 'a' \(new"):
        Value("a")
    with pytest.raises(TypeError, match=r"rectangular nested list .* got list \[\[1\.0\], \[2\.0, 3\.0\]\]"):
        Value([[1.0], [2.0, 3.0]])
    with pytest.raises(TypeError, match="the exponent must be an int or a float, got Value"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(
        ValueError, match=r"add: operands differ in dtype or device: torch\.float32 on cpu and torch\.float64"
    ):
        Value(torch.ones(2)) + Value(torch.ones(2, dtype=torch.float64))


@pytest.mark.parametrize("default", [torch.float32, torch.float64])
@pytest.mark.parametrize(("data", "expected"), [(3, 3.0), ([1, 2], [1.0, 2.0]), ([[1, 2.5]], [[1.0, 2.5]])])
def test_numbers_and_lists_of_ints_become_the_default_dtype(
    default: torch.dtype, data: object, expected: object
) -> None:
    """As documented: data that is not a tensor is made a tensor of the default dtype, ints included
    (left to torch.tensor, ints would be int64 and refused as not floating-point)."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(default)
    try:
        x = Value(data)
    finally:
        torch.set_default_dtype(previous)
    assert x.data.dtype == default
    assert x.data.tolist() == expected


@pytest.mark.parametrize(
    "make",
    [
        lambda x: x + 2,
        lambda x: x - 2,
        lambda x: x * 2,
        lambda x: x / 2,
        lambda x: 2 + x,
        lambda x: 2 - x,
        lambda x: 2 * x,
        lambda x: 2 / x,
    ],
    ids=["add", "sub", "mul", "div", "radd", "rsub", "rmul", "rdiv"],
)
def test_a_number_operand_is_made_on_the_values_device(make: Callable) -> None:
    """A number meets a Value on the Value's device (``meta`` stands in for a GPU: a number made on the
    CPU instead would be refused as an operand on another device)."""
    x = Value(torch.ones(2, dtype=torch.float64, device="meta"))
    out = make(x)
    assert (out.data.device, out.data.dtype) == (torch.device("meta"), torch.float64)


@pytest.mark.parametrize(
    ("backward", "message"),
    [
        (
            lambda g: (g,),
            r"^backward: the backward of op 'add' gave 1 gradients for its 2 parents;"
            r" it must give one per parent, in order$",
        ),
        (lambda g: (g, g, g), r"^backward: the backward of op 'add' gave 3 gradients for its 2 parents;"),
        (lambda g: (g, None), r"^backward: the backward of op 'add' gave a gradient of NoneType for parent 1, "),
        (lambda g: (g, g.sum()), r"gave a gradient of shape \(\) for parent 1, of shape \(2,\); each must be"),
        (lambda g: [g, g.tolist()], r"gave a gradient of list for parent 1"),
    ],
    ids=["too few", "too many", "None", "wrong shape", "not a tensor"],
)
def test_backward_refuses_a_hand_made_backward_that_does_not_give_one_gradient_per_parent(
    backward: Callable, message: str
) -> None:
    """A Value made by hand whose backward does not give one tensor of each parent's shape is refused
    when the gradient reaches it, naming the operation and the parent, rather than leaving a parent
    without its gradient or failing later, inside another node's formula."""
    a, b = Value([1.0, 2.0]), Value([3.0, 4.0])
    out = Value(a.data + b.data, (a, b), backward, "add")
    with pytest.raises(TypeError, match=message):
        (out * 2).sum().backward()
    assert a.grad is None
    assert b.grad is None


def test_a_hand_made_backward_without_an_op_is_named_as_such() -> None:
    a = Value([1.0])
    with pytest.raises(TypeError, match=r"^backward: the backward of a Value made by hand gave 0 gradients for its 1"):
        Value(a.data, (a,), lambda g: ()).backward()


def test_relu_gradient_at_0_is_0_as_in_torch(device: torch.device) -> None:
    """At the kink torch takes relu's derivative as 0 (a random float input is never exactly 0)."""
    x = Value(torch.tensor([-1.0, 0.0, -0.0, 1.0], device=device))
    x.relu().sum().backward()
    t = torch.tensor([-1.0, 0.0, -0.0, 1.0], device=device, requires_grad=True)
    t.relu().sum().backward()
    assert x.grad.tolist() == t.grad.tolist() == [0.0, 0.0, 0.0, 1.0]


def test_repr_shows_the_data_then_only_the_labels_that_are_set() -> None:
    leaf = Value([1.0, 2.0], name="a")
    assert repr(leaf) == "Value(tensor([1., 2.]), name='a')"
    assert repr(leaf * 2) == "Value(tensor([2., 4.]), op='mul')"
    assert repr(Value(3.0)) == "Value(tensor(3.))"
    named_result = leaf * 2
    named_result.name = "b"
    assert repr(named_result) == "Value(tensor([2., 4.]), name='b', op='mul')"


def test_matmul_says_what_shapes_chain() -> None:
    message = (
        "matmul: shapes (2, 3) and (4, 5) do not chain: need (..., n, k) @ (..., k, m), each with 2 or more dimensions"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Value(torch.ones(2, 3)) @ Value(torch.ones(4, 5))


def test_unbroadcast_refusals_name_what_they_got() -> None:
    with pytest.raises(TypeError, match=r"^unbroadcast: grad must be a floating-point or complex tensor, got list$"):
        unbroadcast([1.0, 2.0], (2,))
    with pytest.raises(TypeError, match=r"^unbroadcast: grad must be .* tensor, got torch\.int64$"):
        unbroadcast(torch.ones(2, dtype=torch.int64), (2,))
    with pytest.raises(TypeError, match=re.escape("unbroadcast: shape must be a sequence of ints, got (True, 3)")):
        unbroadcast(torch.ones(2, 3), (True, 3))
    with pytest.raises(
        ValueError, match=re.escape("unbroadcast: shape (4,) does not broadcast to the gradient's shape (2, 3)")
    ):
        unbroadcast(torch.ones(2, 3), (4,))


def test_a_power_of_0_has_gradient_0_as_in_torch() -> None:
    """x ** 0 is 1, so its gradient is 0: also at x = 0 (where n x^(n-1) would be 0 * inf) and where
    the incoming gradient is 0."""
    data, gradient = torch.tensor([0.0, 2.0, -1.5]), torch.tensor([1.0, 0.0, -2.0])
    x, t = Value(data), data.clone().requires_grad_()
    (x**0).backward(gradient)
    (t**0).backward(gradient)
    assert x.grad.tolist() == t.grad.tolist() == [0.0, 0.0, 0.0]


def test_pow_refuses_a_bool_exponent() -> None:
    with pytest.raises(TypeError, match=r"^pow: the exponent must be an int or a float, got bool$"):
        Value(2.0) ** True


@pytest.mark.parametrize(
    ("shape", "dim"),
    [
        ((), 0),
        ((), -1),
        ((3,), -1),
        ((3,), 0),
        ((2, 3), -2),
        ((2, 3), 1),
        ((2, 3), (-1, 0)),
    ],
)
def test_every_axis_torch_accepts_is_summed_as_torch_does(shape: tuple, dim: int | tuple, device: torch.device) -> None:
    """dim from -n to n - 1 (a 0-dim Value takes 0 and -1, as in torch); the value and the gradient are torch's."""
    data = torch.arange(math.prod(shape), dtype=torch.float64, device=device).reshape(shape)
    x, t = Value(data), data.clone().requires_grad_()
    ours, theirs = x.sum(dim=dim), t.sum(dim=dim)
    assert torch.equal(ours.data, theirs.detach())
    gradient = torch.rand(theirs.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(0)).to(device)
    ours.backward(gradient)
    theirs.backward(gradient)
    assert torch.equal(x.grad, t.grad)


@pytest.mark.parametrize(("shape", "dim"), [((), 1), ((), -2), ((3,), 1), ((3,), -2)])
def test_an_axis_torch_refuses_is_refused(shape: tuple, dim: int) -> None:
    with pytest.raises(IndexError, match="Dimension out of range"):
        torch.zeros(shape).sum(dim=dim)
    with pytest.raises(IndexError, match=re.escape(f"sum: dim {dim} is out of range for shape {shape}")):
        Value(torch.zeros(shape)).sum(dim=dim)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("op", ["sigmoid", "tanh"])
def test_16_bit_gradients_keep_the_dtype_and_torchs_values(dtype: torch.dtype, op: str) -> None:
    """Computed in float32 and rounded once to the 16-bit type, as torch's backward does (compared to
    messy.HALF_TOLERANCE: torch's float16 sigmoid backward differs from that in the last place at some points)."""
    data = torch.linspace(-12, 12, 2001, dtype=dtype)
    gradient = torch.linspace(-3, 3, 2001, dtype=dtype)
    x, t = Value(data), data.clone().requires_grad_()
    getattr(x, op)().backward(gradient)
    getattr(t, op)().backward(gradient)
    assert x.grad.dtype == dtype
    same(x.grad, t.grad)
