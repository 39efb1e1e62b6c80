r"""A minimal reverse-mode automatic differentiation engine over tensors, in the spirit of micrograd.

A [`Value`][dlref.autograd.engine.Value] holds a tensor, ``data``, and after a backward pass the
gradient of the output with respect to it, ``grad``. Every operation on Values returns a new Value
that remembers its inputs (``parents``) and a function that turns the gradient of its output into
one gradient per input: a vector-Jacobian product. [`Value.backward`][dlref.autograd.engine.Value.backward]
visits the graph in reverse topological order, so that a node's gradient is complete before it is
passed on, and adds what reaches each leaf into the leaf's ``grad``, as ``torch.autograd`` does.

The tensors inside are plain ``torch.Tensor``: torch does the arithmetic, this module does the
differentiation. ``tests/autograd/test_autograd_engine.py`` compares its gradients with ``torch.autograd``
for random expression graphs, with broadcasting, on every available device.

Examples:
    >>> x = Value(torch.tensor([1.0, 2.0, 3.0]))
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch

__all__ = ["Value", "unbroadcast"]

Number = int | float


# --8<-- [start:unbroadcast]
def unbroadcast(grad: torch.Tensor, shape: Sequence[int]) -> torch.Tensor:
    r"""Sum ``grad`` down to ``shape``: the gradient with respect to an input that was broadcast.

    Broadcasting copies an input of ``shape`` along new leading axes and along its axes of size 1.
    Each copy feeds the output, so the input's gradient is the sum over its copies:
    $\bar{x}_j = \sum_{i \text{ a copy of } j} \bar{y}_i$.

    Raises:
        TypeError: ``grad`` is not a floating-point or complex tensor (a gradient is one; torch's
            ``sum_to_size`` of a bool tensor is int64, or bool when nothing is summed), or
            ``shape`` is not a sequence of ints.
        ValueError: ``shape`` does not broadcast to the gradient's shape.

    Examples:
        >>> unbroadcast(torch.ones(2, 3), (3,))
        tensor([2., 2., 2.])
        >>> unbroadcast(torch.ones(2, 3), (2, 1))
        tensor([[3.],
                [3.]])
    """
    if not isinstance(grad, torch.Tensor) or not (grad.is_floating_point() or grad.is_complex()):
        got = grad.dtype if isinstance(grad, torch.Tensor) else type(grad).__name__
        raise TypeError(f"unbroadcast: grad must be a floating-point or complex tensor, got {got}")
    if isinstance(shape, (str, bytes)) or not all(isinstance(n, int) and not isinstance(n, bool) for n in shape):
        raise TypeError(f"unbroadcast: shape must be a sequence of ints, got {shape!r}")
    shape = tuple(shape)
    extra = grad.dim() - len(shape)
    if extra < 0 or any(n not in (1, m) for n, m in zip(shape, grad.shape[extra:], strict=True)):
        raise ValueError(f"unbroadcast: shape {shape} does not broadcast to the gradient's shape {tuple(grad.shape)}")
    if extra:  # new leading axes: sum them away
        grad = grad.sum(dim=tuple(range(extra)))
    ones = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if ones:  # axes of size 1 that were stretched: sum them, keeping the axis
        grad = grad.sum(dim=ones, keepdim=True)
    return grad


# --8<-- [end:unbroadcast]


# --8<-- [start:value]


def _rounded_once(g: torch.Tensor, formula, *tensors: torch.Tensor) -> torch.Tensor:
    """``formula(g, *tensors)`` computed in at least float32 and rounded once to ``g``'s dtype: a
    16-bit type would round after every operation, where torch's backward rounds only the result."""
    wide = torch.promote_types(g.dtype, torch.float32)
    return formula(g.to(wide), *(t.to(wide) for t in tensors)).to(g.dtype)


def _check_parent_grads(node: Value, grads: tuple) -> None:
    """Refuse what a hand-made ``backward`` gives unless it is one gradient per parent, each a tensor
    of that parent's shape (as torch checks what a custom ``Function.backward`` returns)."""
    op = f"op {node.op!r}" if node.op else "a Value made by hand"
    if len(grads) != len(node.parents):
        raise TypeError(
            f"backward: the backward of {op} gave {len(grads)} gradients for its {len(node.parents)} parents;"
            " it must give one per parent, in order"
        )
    for i, (parent, grad) in enumerate(zip(node.parents, grads, strict=True)):
        if not isinstance(grad, torch.Tensor) or grad.shape != parent.shape:
            got = f"shape {tuple(grad.shape)}" if isinstance(grad, torch.Tensor) else type(grad).__name__
            raise TypeError(
                f"backward: the backward of {op} gave a gradient of {got} for parent {i}, "
                f"of shape {tuple(parent.shape)}; each must be a tensor of its parent's shape"
            )


class Value:
    """A tensor in a computation graph: ``data``, ``grad``, and how to send a gradient to its inputs.

    A Value made by the user is a *leaf* (no parents). ``backward`` adds gradients into the
    ``grad`` of leaves only, as torch does; ``grad`` is ``None`` until then, and after ``zero_grad``.

    Args:
        data: a floating-point tensor, or a number or nested list (made a tensor of the default dtype).
        parents: the Values this one was computed from (empty for a leaf).
        backward: maps the gradient of this Value to one gradient per parent, in order.
        op: the name of the operation that made this Value (empty for a leaf).
        name: an optional label, shown by ``repr``.

    Raises:
        TypeError: ``data`` is not floating-point (an integer or boolean tensor: use ``.float()``),
            or is not a tensor, a number or a nested list of numbers (a string, say).

    Examples:
        >>> a = Value([[1.0, 2.0], [3.0, 4.0]], name="a")
        >>> b = Value([10.0, 20.0], name="b")
        >>> loss = (a * b).sum()
        >>> loss
        Value(tensor(160.), op='sum')
        >>> loss.backward()
        >>> b.grad
        tensor([4., 6.])
        >>> Value("a")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
          ...
        TypeError: Value: data must be a tensor, a real number or a rectangular nested list of them, got str 'a' (...)
    """

    def __init__(
        self,
        data: torch.Tensor | Number | list,
        parents: tuple[Value, ...] = (),
        backward: Callable[[torch.Tensor], tuple[torch.Tensor, ...]] | None = None,
        op: str = "",
        name: str = "",
    ) -> None:
        if not isinstance(data, torch.Tensor):
            try:
                data = torch.tensor(data, dtype=torch.get_default_dtype())
            except (TypeError, ValueError, RuntimeError) as error:
                raise TypeError(
                    "Value: data must be a tensor, a real number or a rectangular nested list of them,"
                    f" got {type(data).__name__} {data!r:.60} ({error})"
                ) from None
        if not data.is_floating_point():
            raise TypeError(f"Value needs floating-point data to differentiate, got dtype={data.dtype}; use .float()")
        self.data = data.detach()
        self.grad: torch.Tensor | None = None
        self.parents = parents
        self._backward = backward
        self.op, self.name = op, name

    @property
    def shape(self) -> torch.Size:
        return self.data.shape

    def __repr__(self) -> str:
        label = "".join(f", {k}={v!r}" for k, v in (("name", self.name), ("op", self.op)) if v)
        return f"Value({self.data!r}{label})"

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``grad = None``, like ``optimizer.zero_grad()``)."""
        self.grad = None

    # --8<-- [end:value]

    # --8<-- [start:node]
    def _node(self, op: str, out: torch.Tensor, parents: tuple[Value, ...], backward: Callable) -> Value:
        """A new Value ``out`` whose gradients to ``parents`` are ``backward(g)``, each unbroadcast."""

        def vjp(g: torch.Tensor) -> tuple[torch.Tensor, ...]:
            return tuple(unbroadcast(gp, p.shape) for gp, p in zip(backward(g), parents, strict=True))

        return Value(out, parents, vjp, op)

    def _operand(self, op: str, other: Value | torch.Tensor | Number) -> Value:
        """``other`` as a Value of this one's dtype and device, checked to broadcast with it."""
        if not isinstance(other, Value):
            other = Value(torch.as_tensor(other, dtype=self.data.dtype, device=self.data.device))
        if (other.data.dtype, other.data.device) != (self.data.dtype, self.data.device):
            raise ValueError(
                f"{op}: operands differ in dtype or device: {self.data.dtype} on {self.data.device} "
                f"and {other.data.dtype} on {other.data.device}"
            )
        # Shapes broadcast when, aligned from the right, each pair of sizes is equal or has a 1. (Checked
        # here rather than with torch.broadcast_shapes, whose first call spends 0.6 s on imports.)
        pairs = zip(self.shape[::-1], other.shape[::-1], strict=False)  # the shorter shape ends first
        if op != "matmul" and any(m != n and 1 not in (m, n) for m, n in pairs):
            raise ValueError(f"{op}: shapes {tuple(self.shape)} and {tuple(other.shape)} do not broadcast")
        return other

    # --8<-- [end:node]

    # --8<-- [start:ops]
    def __add__(self, other: Value | Number) -> Value:
        r"""a + b (broadcasting); gradients $\bar{y}$ to each, summed to its shape."""
        other = self._operand("add", other)
        return self._node("add", self.data + other.data, (self, other), lambda g: (g, g))

    def __sub__(self, other: Value | Number) -> Value:
        r"""a - b (broadcasting); gradients $\bar{y}$ and $-\bar{y}$."""
        other = self._operand("sub", other)
        return self._node("sub", self.data - other.data, (self, other), lambda g: (g, -g))

    def __mul__(self, other: Value | Number) -> Value:
        r"""a * b elementwise (broadcasting); gradients $\bar{y} b$ and $\bar{y} a$."""
        other = self._operand("mul", other)
        a, b = self.data, other.data
        return self._node("mul", a * b, (self, other), lambda g: (g * b, g * a))

    def __truediv__(self, other: Value | Number) -> Value:
        r"""a / b elementwise (broadcasting); gradients $\bar{y} / b$ and $-\bar{y} a / b^2$.

        $a / b^2$ is computed as $(a / b) / b$, as torch does: $b^2$ alone would underflow to 0
        (or overflow) for $|b|$ below $10^{-154}$ (above $10^{154}$) in float64.
        """
        other = self._operand("div", other)
        a, b = self.data, other.data
        return self._node("div", a / b, (self, other), lambda g: (g / b, -g * (a / b) / b))

    def __neg__(self) -> Value:
        r"""-a; gradient $-\bar{y}$."""
        return self._node("neg", -self.data, (self,), lambda g: (-g,))

    def __pow__(self, exponent: Number) -> Value:
        r"""a ** n for a number n; gradient $\bar{y}\, n a^{n-1}$ (0 when n = 0)."""
        if isinstance(exponent, bool) or not isinstance(exponent, (int, float)):
            raise TypeError(f"pow: the exponent must be an int or a float, got {type(exponent).__name__}")
        a = self.data
        return self._node(
            "pow", a**exponent, (self,), lambda g: (g * exponent * a ** (exponent - 1) if exponent else 0 * g,)
        )

    def __matmul__(self, other: Value) -> Value:
        r"""A @ B, (..., n, k) @ (..., k, m); gradients $\bar{Y} B^\top$ and $A^\top \bar{Y}$."""
        other = self._operand("matmul", other)
        a, b = self.data, other.data
        if a.dim() < 2 or b.dim() < 2 or a.shape[-1] != b.shape[-2]:
            raise ValueError(
                f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} do not chain: "
                "need (..., n, k) @ (..., k, m), each with 2 or more dimensions"
            )
        try:
            out = a @ b
        except RuntimeError:
            raise ValueError(
                f"matmul: batch shapes {tuple(a.shape[:-2])} and {tuple(b.shape[:-2])} do not broadcast"
            ) from None
        return self._node("matmul", out, (self, other), lambda g: (g @ b.mT, a.mT @ g))

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other: Number) -> Value:
        return self._operand("sub", other) - self

    def __rtruediv__(self, other: Number) -> Value:
        return self._operand("div", other) / self

    def exp(self) -> Value:
        r"""exp(a); gradient $\bar{y} e^a$."""
        out = self.data.exp()
        return self._node("exp", out, (self,), lambda g: (g * out,))

    def log(self) -> Value:
        r"""log(a); gradient $\bar{y} / a$."""
        a = self.data
        return self._node("log", a.log(), (self,), lambda g: (g / a,))

    def relu(self) -> Value:
        r"""max(a, 0); gradient $\bar{y} [a > 0]$ (0 at a = 0, as in torch).

        Written as torch does, $\bar{y}$ where the output is not $\le 0$: at a NaN input (NaN out)
        the gradient passes through, where $[a > 0]$ would give 0.
        """
        a = self.data
        out = a.clamp(min=0)
        return self._node("relu", out, (self,), lambda g: (torch.where(out <= 0, torch.zeros_like(g), g),))

    def sigmoid(self) -> Value:
        r"""$s = 1 / (1 + e^{-a})$; gradient $\bar{y}\, s (1 - s)$ (in 16-bit types computed in float32
        from the rounded $s$ and rounded once, as torch's backward does)."""
        s = self.data.sigmoid()
        return self._node("sigmoid", s, (self,), lambda g: (_rounded_once(g, lambda g, s: g * s * (1 - s), s),))

    def tanh(self) -> Value:
        r"""$t = \tanh a$; gradient $\bar{y} (1 - t^2)$ (in 16-bit types computed in float32 from the
        rounded $t$ and rounded once, as torch's backward does)."""
        t = self.data.tanh()
        return self._node("tanh", t, (self,), lambda g: (_rounded_once(g, lambda g, t: g * (1 - t * t), t),))

    def reshape(self, *shape: int | Sequence[int]) -> Value:
        r"""The same values in ``shape`` (one entry may be -1); the gradient is reshaped back."""
        shape = tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int) else shape
        try:
            out = self.data.reshape(shape)
        except RuntimeError:
            raise ValueError(
                f"reshape: cannot reshape shape {tuple(self.shape)} ({self.data.numel()} elements) to {shape}"
            ) from None
        return self._node("reshape", out, (self,), lambda g: (g.reshape(self.shape),))

    def sum(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Value:
        """Sum over ``dim`` (all axes when ``None``); the gradient is copied back along those axes."""
        dims = self._dims("sum", dim)

        def backward(g: torch.Tensor) -> tuple[torch.Tensor]:
            for d in () if keepdim else dims:  # put the summed axes back (as size 1) ...
                g = g.unsqueeze(d)
            return (g.expand(self.shape),)  # ... and copy along them

        return self._node("sum", self.data.sum(dim=dims, keepdim=keepdim), (self,), backward)

    def mean(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> Value:
        """The sum over ``dim`` divided by the number of elements summed: two nodes, sum and div."""
        count = math.prod(self.shape[d] for d in self._dims("mean", dim))
        return self.sum(dim, keepdim) / count

    def _dims(self, op: str, dim: int | Sequence[int] | None) -> tuple[int, ...]:
        """``dim`` as sorted non-negative axes; all axes for ``None``."""
        n = self.data.dim()
        dims = range(n) if dim is None else [dim] if isinstance(dim, int) else dim
        if any(not -max(n, 1) <= d < max(n, 1) for d in dims):  # a 0-dim Value takes dim 0 or -1, as in torch
            raise IndexError(f"{op}: dim {dim} is out of range for shape {tuple(self.shape)}")
        out = tuple(sorted({d % max(n, 1) for d in dims})) if n else ()
        if n and len(out) != len(list(dims)):
            raise ValueError(f"{op}: dim {dim} repeats an axis")
        return out

    # --8<-- [end:ops]

    # --8<-- [start:backward]
    def topological_order(self) -> list[Value]:
        """Every Value this one depends on, each after all of its parents, ending with this one."""
        order: list[Value] = []
        seen: set[Value] = set()
        stack = [(self, False)]
        while stack:  # depth-first, without recursion (a long graph would exceed Python's limit)
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((parent, False) for parent in reversed(node.parents))
        return order

    def backward(self, gradient: torch.Tensor | None = None) -> None:
        """Add the gradient of this Value with respect to each leaf into the leaf's ``grad``.

        Computes $\\bar{x} = \\bar{y}^\\top \\partial y / \\partial x$ for every leaf $x$, with
        $\\bar{y}$ = ``gradient`` (1 for a scalar): one vector-Jacobian product per node, in
        reverse topological order.

        Raises:
            RuntimeError: no ``gradient`` is given and this Value is not a single number.
            ValueError: ``gradient`` has another shape than this Value.
            TypeError: a node's ``backward`` (one made by hand: the operations' own are tested) does
                not give one tensor of its parent's shape for each parent, in order.
        """
        if gradient is None:
            if self.data.numel() != 1:
                raise RuntimeError(
                    f"backward: a gradient can be created implicitly only for a scalar, but this Value has "
                    f"shape {tuple(self.shape)}; pass gradient=, a tensor of that shape"
                )
            gradient = torch.ones_like(self.data)
        elif gradient.shape != self.shape:
            raise ValueError(
                f"backward: gradient has shape {tuple(gradient.shape)} but this Value has shape {tuple(self.shape)}"
            )
        grads = {self: gradient}  # the gradient reaching each node so far
        for node in reversed(self.topological_order()):
            g = grads.pop(node)  # complete: every node that uses this one came earlier
            if node._backward is None:  # a leaf: accumulate
                node.grad = g.clone() if node.grad is None else node.grad + g
                continue
            parent_grads = tuple(node._backward(g))
            _check_parent_grads(node, parent_grads)
            for parent, g_parent in zip(node.parents, parent_grads, strict=True):
                grads[parent] = grads[parent] + g_parent if parent in grads else g_parent

    # --8<-- [end:backward]
