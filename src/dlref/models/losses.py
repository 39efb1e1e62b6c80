r"""Losses from their definitions, each with the numerically stable form and the naive one it replaces.

Every loss here returns the **mean** over the examples of a batch, as the `torch.nn` losses do by
default, so the gradient does not grow with the batch size. The naive versions
(`binary_cross_entropy_naive`, `softmax_naive`, `cross_entropy_naive`) are here to be shown failing:
on large logits they overflow to ``inf`` or ``nan`` (or, for the binary loss, to torch's clamped
``100`` per example), where the stable versions, written with $\log(1 + e^{-|z|})$ and the
log-sum-exp trick, stay right.

Inputs are checked on shapes, dtypes and devices, and, on the CPU, the targets on their values
too: class indices in range, binary targets in $[0, 1]$ (a target of 2 would train on a wrong loss
without a word), with a `ValueError` naming the bad value. On a GPU the values are not read: that
would make every training step wait for the GPU (torch's own cross-entropy stops there with a
device-side assert on an out-of-range class; check binary targets before moving them).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = [
    "binary_cross_entropy_naive",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "cross_entropy_naive",
    "log_softmax",
    "logsumexp",
    "sigmoid",
    "softmax",
    "softmax_naive",
    "squared_loss",
]


def _check_floating(name: str, arg: str, x: torch.Tensor) -> None:
    """Refuse integer, boolean and complex tensors, as torch's losses and softmax do."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: {arg} must be a tensor, got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"{name}: {arg} must be a floating-point tensor, got {x.dtype}; use {arg}.float()")


def _check_same_shape(name: str, y_hat: torch.Tensor, y: torch.Tensor, first: str = "y_hat") -> None:
    _check_floating(name, first, y_hat)
    _check_floating(name, "y", y)
    if y_hat.shape != y.shape:
        raise ValueError(
            f"{name}: {first} has shape {tuple(y_hat.shape)} but y has shape {tuple(y.shape)}; they must match"
            " (broadcasting would pair every prediction with every target)"
        )
    _check_same_device(name, first, y_hat, y)


def _check_same_device(name: str, first: str, x: torch.Tensor, y: torch.Tensor) -> None:
    if x.device != y.device:
        raise ValueError(f"{name}: {first} is on {x.device} but y is on {y.device}; move y with y.to({first}.device)")


def _check_binary(name: str, logits: torch.Tensor, y: torch.Tensor) -> None:
    """Same shape, device and floating dtype, and every target a probability in [0, 1] (NaN is not).

    One dtype, as ``nn.BCELoss`` demands: torch's with-logits loss of float64 logits and float32
    targets is float32, computed in float32.
    """
    _check_same_shape(name, logits, y, first="logits")
    if logits.dtype != y.dtype:
        raise TypeError(f"{name}: logits are {logits.dtype} but y is {y.dtype}; convert y with y.to(logits.dtype)")
    inside = (y >= 0) & (y <= 1)  # false for NaN too

    def error() -> str:
        bad = y[~inside][0].item()
        return (
            f"{name}: y must hold probabilities in [0, 1] (0 or 1 for hard labels), got {bad};"
            " map labels such as -1/1 or 1/2 to 0/1 first"
        )

    _require(inside, error)


def _require(ok: torch.Tensor, error: Callable[[], str]) -> None:
    """Raise ``ValueError(error())`` unless every entry of ``ok`` is true; on the CPU only, where
    reading the values costs no wait (``error`` builds the message once the check has failed)."""
    if ok.device.type == "cpu" and not ok.all().numpy():
        raise ValueError(error())


def _check_logits(name: str, logits: torch.Tensor) -> None:
    _check_floating(name, "logits", logits)
    if logits.dim() != 2:
        raise ValueError(f"{name}: logits must be 2-D (examples, classes), got shape {tuple(logits.shape)}")


# --8<-- [start:squared_loss]
def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Half the mean squared error: $\ell = \frac{1}{n} \sum_i \tfrac12 (\hat y_i - y_i)^2$.

    The factor $\tfrac12$ (d2l's convention) makes the gradient $\hat y - y$. `nn.MSELoss` has no
    $\tfrac12$: its gradients are twice as large, so the same step needs half the learning rate.

    This returns the **mean** over the batch, as `nn.MSELoss` does. d2l's ``squared_loss`` returns
    one loss per example, and its ``sgd`` divides the summed gradient by the batch size; with this
    loss the optimiser must not divide again (one step with the summed loss and ``lr / batch_size``
    equals one step with the mean loss and ``lr``: see the linear-regression walkthrough).

    Raises:
        TypeError: ``y_hat`` or ``y`` is not a floating-point tensor (as `nn.MSELoss`): use ``.float()``.
        ValueError: ``y_hat`` and ``y`` differ in shape or device. A prediction of shape ``(n, 1)``
            minus a target of shape ``(n,)`` broadcasts to ``(n, n)`` and silently trains on the
            wrong loss.

    Examples:
        >>> squared_loss(torch.tensor([[1.0], [3.0]]), torch.tensor([[2.0], [5.0]]))
        tensor(1.2500)
        >>> squared_loss(torch.tensor([[1.0], [3.0]]), torch.tensor([2.0, 5.0]))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
          ...
        ValueError: squared_loss: y_hat has shape (2, 1) but y has shape (2,); they must match (broadcasting ...
    """
    _check_same_shape("squared_loss", y_hat, y)
    return ((y_hat - y) ** 2 / 2).mean()


# --8<-- [end:squared_loss]


# --8<-- [start:sigmoid]
def sigmoid(z: torch.Tensor) -> torch.Tensor:
    r"""The logistic function $\sigma(z) = \frac{1}{1 + e^{-z}}$, element-wise.

    Written as $e^{z} / (1 + e^{z})$ for negative $z$, so that $e^{-z}$ never overflows. Integer
    and boolean ``z`` give the default float dtype, as `torch.sigmoid`; float16 and bfloat16 are
    computed in float32 and rounded once, as torch does (each step in half precision would round).

    Raises:
        TypeError: ``z`` is complex (`torch.sigmoid` accepts it; this reference is for real logits).

    Examples:
        >>> sigmoid(torch.tensor([-200.0, 0.0, 2.0, 200.0]))
        tensor([0.0000, 0.5000, 0.8808, 1.0000])
    """
    if not isinstance(z, torch.Tensor):
        raise TypeError(f"sigmoid: z must be a tensor, got {type(z).__name__}")
    if z.dtype.is_complex:
        raise TypeError(f"sigmoid: z must be real, got {z.dtype}; use z.real")
    if not z.dtype.is_floating_point:
        z = z.to(torch.get_default_dtype())
    dtype = z.dtype
    if dtype in (torch.float16, torch.bfloat16):
        z = z.float()
    e = torch.exp(-z.abs())  # in (0, 1]: cannot overflow
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e)).to(dtype)


# --8<-- [end:sigmoid]


# --8<-- [start:bce]
def binary_cross_entropy_naive(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Binary cross-entropy computed as written, through the probability $p = \sigma(z)$, as `nn.BCELoss`.

    $$
    \ell = -\frac{1}{n} \sum_i \left[ y_i \max(\log p_i, -100) + (1 - y_i) \max(\log (1 - p_i), -100) \right]
    $$

    In float32, $\sigma(z)$ rounds to exactly 1 for $z > 17$ (and to 0 below about $-104$), so
    $\log(1 - p)$ is $\log 0 = -\infty$. Like torch's `nn.BCELoss` (``F.binary_cross_entropy``),
    each log is clamped at $-100$, so a confidently wrong prediction costs 100, whatever its logit:
    finite, and wrong (the stable form gives $z$ for a large $z$ with target 0).

    For 16-bit inputs, $p$ is rounded to their dtype (as `torch.sigmoid` returns it), and the loss
    is computed from it in float32 and rounded once, as torch's kernel does: $1 - p$ computed in
    float16 would put $\log(1 - p)$ 0.4% off at $z = -4$.

    Raises:
        TypeError: ``logits`` or ``y`` is not a floating-point tensor (``y.float()`` for labels),
            or their dtypes differ.
        ValueError: they differ in shape or device, or ``y`` holds a value outside $[0, 1]$ (or
            NaN); on CUDA that check is asynchronous (see the module).

    Examples:
        >>> z, y = torch.tensor([[2.0], [40.0]]), torch.tensor([[1.0], [0.0]])
        >>> binary_cross_entropy_naive(z, y), binary_cross_entropy_with_logits(z, y)
        (tensor(50.0635), tensor(20.0635))
        >>> torch.nn.functional.binary_cross_entropy(torch.sigmoid(z), y)
        tensor(50.0635)
    """
    _check_binary("binary_cross_entropy_naive", logits, y)
    dtype, p = logits.dtype, sigmoid(logits)
    if dtype in (torch.float16, torch.bfloat16):
        p, y = p.float(), y.float()
    return (-(y * torch.log(p).clamp_min(-100) + (1 - y) * torch.log(1 - p).clamp_min(-100)).mean()).to(dtype)


def binary_cross_entropy_with_logits(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Binary cross-entropy from logits, stable for every $z$ (what `nn.BCEWithLogitsLoss` computes).

    Since $-\log \sigma(z) = \log(1 + e^{-z})$ and $-\log(1 - \sigma(z)) = z + \log(1 + e^{-z})$,

    $$ \ell_i = \max(z_i, 0) - z_i y_i + \log\left(1 + e^{-|z_i|}\right)
             = (1 - y_i) z_i + \max(-z_i, 0) + \log\left(1 + e^{-|z_i|}\right), $$

    in which the exponential is at most 1 and the log never sees 0. It is computed in the second
    form, torch's order, so that infinite logits give torch's answers: $\infty$ for $z = \infty$
    with $y = 0$, and NaN where $(1 - y) z$ is $0 \cdot \infty$ or the sum is $\infty - \infty$.

    Raises:
        TypeError: ``logits`` or ``y`` is not a floating-point tensor: integer or boolean labels
            are refused (use ``y.float()``), where torch fails on them with a message about
            casting; or their dtypes differ (torch computes float64 logits with float32 targets
            in float32, as ``nn.BCELoss`` refuses them).
        ValueError: ``logits`` and ``y`` differ in shape or device, or ``y`` holds a value outside
            $[0, 1]$ or NaN (torch computes a meaningless loss for a target of 2; labels coded
            -1/1 or 1/2 must be mapped to 0/1). Values are checked on the CPU only (see the module).

    Examples:
        >>> logits, y = torch.tensor([[2.0], [40.0]]), torch.tensor([[1.0], [0.0]])
        >>> binary_cross_entropy_with_logits(logits, y)
        tensor(20.0635)
        >>> torch.nn.functional.binary_cross_entropy_with_logits(logits, y)
        tensor(20.0635)
        >>> binary_cross_entropy_with_logits(logits, torch.tensor([[1.0], [2.0]]))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
          ...
        ValueError: binary_cross_entropy_with_logits: y must hold probabilities in [0, 1] ..., got 2.0; ...
    """
    _check_binary("binary_cross_entropy_with_logits", logits, y)
    return ((1 - y) * logits + (-logits).clamp_min(0) + torch.log1p(torch.exp(-logits.abs()))).mean()


# --8<-- [end:bce]


# --8<-- [start:softmax]
def softmax_naive(logits: torch.Tensor) -> torch.Tensor:
    r"""Softmax over the last dimension as written: $\mathrm{softmax}(z)_j = e^{z_j} / \sum_k e^{z_k}$.

    In float32, $e^{z}$ overflows to ``inf`` for $z > 88.7$, and ``inf / inf`` is ``nan``.

    Raises:
        TypeError: ``logits`` is not a floating-point tensor (as `torch.softmax`): use ``logits.float()``.

    Examples:
        >>> softmax_naive(torch.tensor([[1.0, 2.0, 3.0], [1001.0, 1002.0, 1003.0]]))
        tensor([[0.0900, 0.2447, 0.6652],
                [   nan,    nan,    nan]])
    """
    _check_floating("softmax_naive", "logits", logits)
    e = torch.exp(logits)
    return e / e.sum(dim=-1, keepdim=True)


def _in_float32(function: Callable[[torch.Tensor], torch.Tensor], logits: torch.Tensor) -> torch.Tensor:
    """``function(logits)`` computed in float32 for 16-bit logits and rounded once, as torch does;
    rounding each step to 8 bits of precision (bfloat16) moves the result by several percent."""
    if logits.dtype in (torch.float16, torch.bfloat16):
        return function(logits.float()).to(logits.dtype)
    return function(logits)


def _max(logits: torch.Tensor) -> torch.Tensor:
    r"""$m = \max_k z_k$ over the last dimension, kept with length 1 and detached; 0 for an empty one.

    The shift is a constant: no gradient needs to flow through it.
    """
    if logits.dim() > 0 and logits.shape[-1] == 0:  # no maximum; any shift will do
        return torch.zeros((*logits.shape[:-1], 1), dtype=logits.dtype, device=logits.device)
    return logits.amax(dim=-1, keepdim=True).detach()


def logsumexp(logits: torch.Tensor) -> torch.Tensor:
    r"""$\log \sum_k e^{z_k}$ over the last dimension, by the log-sum-exp trick.

    With $m = \max_k z_k$, $\log \sum_k e^{z_k} = m + \log \sum_k e^{z_k - m}$: every exponent is
    at most 0, and the largest term is $e^0 = 1$, so the sum neither overflows nor is 0. A row whose
    largest logit is infinite is shifted by 0 instead (as in `torch.logsumexp`): all $-\infty$ gives
    $-\infty$ (the log of an empty sum, as does an empty last dimension), any $+\infty$ gives
    $+\infty$. Integer and boolean logits are converted to the default float dtype, as in torch.

    Raises:
        TypeError: ``logits`` is complex (`torch.logsumexp` accepts it; this reference does not).

    Examples:
        >>> logsumexp(torch.tensor([[1.0, 2.0, 100.0], [-1000.0, -1000.0, -1000.0]]))
        tensor([ 100.0000, -998.9014])
        >>> torch.logsumexp(torch.tensor([[1.0, 2.0, 100.0], [-1000.0, -1000.0, -1000.0]]), dim=-1)
        tensor([ 100.0000, -998.9014])
        >>> inf = float("inf")
        >>> logsumexp(torch.tensor([[-inf, -inf], [inf, 1.0]]))
        tensor([-inf, inf])
    """
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"logsumexp: logits must be a tensor, got {type(logits).__name__}")
    if logits.dtype.is_complex:
        raise TypeError(f"logsumexp: logits must be real, got {logits.dtype}; use logits.real or logits.abs()")
    if not logits.dtype.is_floating_point:
        logits = logits.to(torch.get_default_dtype())

    def stable(z: torch.Tensor) -> torch.Tensor:
        m = _max(z)
        m = torch.where(m.isinf(), torch.zeros_like(m), m)  # z - m would be inf - inf = nan
        return (m + torch.log(torch.exp(z - m).sum(dim=-1, keepdim=True))).squeeze(-1)

    return _in_float32(stable, logits)


def log_softmax(logits: torch.Tensor) -> torch.Tensor:
    r"""$\log \mathrm{softmax}(z)_j = z_j - \log \sum_k e^{z_k}$, over the last dimension, stably.

    Computed as $(z_j - m) - \log \sum_k e^{z_k - m}$ with $m = \max_k z_k$, not as
    $z_j - \mathrm{logsumexp}(z)$: for the largest logit that difference cancels. With
    $z = (1314.77, 1303.87)$ the answer is $-\log(1 + e^{-10.9}) \approx -1.85 \cdot 10^{-5}$, but
    $\mathrm{logsumexp}(z) = 1314.77 + 1.85 \cdot 10^{-5}$ rounds to $1314.77$ in float32, whose
    spacing there is $1.2 \cdot 10^{-4}$, and the difference comes out as exactly 0.

    Raises:
        TypeError: ``logits`` is not a floating-point tensor (as `torch.log_softmax`): use ``logits.float()``.

    Examples:
        >>> log_softmax(torch.tensor([[1.0, 2.0, 100.0]]))
        tensor([[-99., -98.,   0.]])
        >>> z = torch.tensor([[1314.7712, 1303.8721]])
        >>> log_softmax(z)[0, 0], (z - logsumexp(z).unsqueeze(-1))[0, 0]
        (tensor(-1.8477e-05), tensor(0.))
        >>> torch.log_softmax(z, dim=-1)[0, 0]
        tensor(-1.8477e-05)
    """
    _check_floating("log_softmax", "logits", logits)

    def stable(z: torch.Tensor) -> torch.Tensor:
        shifted = z - _max(z)
        return shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))

    return _in_float32(stable, logits)


def softmax(logits: torch.Tensor) -> torch.Tensor:
    r"""Softmax over the last dimension, stably: $e^{z_j - m} / \sum_k e^{z_k - m}$, $m = \max_k z_k$.

    Subtracting the same $m$ from every logit multiplies numerator and denominator by $e^{-m}$,
    which changes nothing mathematically and keeps every exponential in $(0, 1]$.

    Raises:
        TypeError: ``logits`` is not a floating-point tensor: torch refuses integer logits too (a
            softmax is a fraction); use ``logits.float()``.

    Examples:
        >>> softmax(torch.tensor([[1.0, 2.0, 3.0], [1001.0, 1002.0, 1003.0]]))
        tensor([[0.0900, 0.2447, 0.6652],
                [0.0900, 0.2447, 0.6652]])
        >>> softmax(torch.tensor([[1, 2, 3]]))
        Traceback (most recent call last):
          ...
        TypeError: softmax: logits must be a floating-point tensor, got torch.int64; use logits.float()
    """
    _check_floating("softmax", "logits", logits)

    def stable(z: torch.Tensor) -> torch.Tensor:
        e = torch.exp(z - _max(z))
        return e / e.sum(dim=-1, keepdim=True)

    return _in_float32(stable, logits)


# --8<-- [end:softmax]


# --8<-- [start:cross_entropy]
def _check_labels(name: str, logits: torch.Tensor, y: torch.Tensor) -> None:
    _check_logits(name, logits)
    if not isinstance(y, torch.Tensor) or y.dtype != torch.int64 or y.shape != logits.shape[:1]:
        got = f"{y.dtype} of shape {tuple(y.shape)}" if isinstance(y, torch.Tensor) else type(y).__name__
        raise ValueError(f"{name}: y must be int64 class indices of shape ({logits.shape[0]},), got {got}")
    _check_same_device(name, "logits", logits, y)
    classes = logits.shape[1]
    inside = (y >= 0) & (y < classes)

    def error() -> str:
        bad = y[~inside][0].item()
        return (
            f"{name}: y holds the class index {bad}, but logits has {classes} columns"
            + (f" (classes 0 to {classes - 1})" if classes else "")
            + "; number the classes from 0, or give logits one column per class"
            + (" (dlref's cross-entropy has no ignore_index)" if bad == -100 else "")
        )

    _require(inside, error)


def cross_entropy_naive(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Cross-entropy as written: $-\frac1n \sum_i \log \mathrm{softmax}(z_i)_{y_i}$, through `softmax_naive`.

    Raises:
        TypeError, ValueError: as [`cross_entropy`][dlref.models.losses.cross_entropy].

    Examples:
        >>> cross_entropy_naive(torch.tensor([[1.0, 2.0, 100.0]]), torch.tensor([0]))
        tensor(inf)
        >>> cross_entropy_naive(torch.tensor([[1.0, 2.0, 100.0]]), torch.tensor([2]))
        tensor(nan)
    """
    _check_labels("cross_entropy_naive", logits, y)
    p = softmax_naive(logits)
    return -torch.log(p[torch.arange(len(y), device=y.device), y]).mean()


def cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Cross-entropy from logits with the log-sum-exp trick (what `nn.CrossEntropyLoss` computes).

    $$ \ell = \frac1n \sum_i \left( \log \sum_k e^{z_{ik}} - z_{i y_i} \right) $$

    Args:
        logits: unnormalised scores, shape ``(n, classes)``.
        y: the class index of each example, int64, shape ``(n,)``.

    Raises:
        TypeError: ``logits`` is not a floating-point tensor.
        ValueError: ``logits`` is not 2-D, ``y`` is not int64 of shape ``(n,)`` (a one-hot ``y`` or
            float labels are refused, with their dtype and shape in the message), ``y`` is on
            another device, or a class index is outside ``[0, classes)`` (the message names it;
            torch raises ``IndexError``). Values are checked on the CPU only (see the module).

    Examples:
        >>> cross_entropy(torch.tensor([[1.0, 2.0, 100.0]]), torch.tensor([0]))
        tensor(99.)
        >>> torch.nn.functional.cross_entropy(torch.tensor([[1.0, 2.0, 100.0]]), torch.tensor([0]))
        tensor(99.)
        >>> cross_entropy(torch.tensor([[1.0, 2.0, 100.0]]), torch.tensor([0.0]))
        Traceback (most recent call last):
          ...
        ValueError: cross_entropy: y must be int64 class indices of shape (1,), got torch.float32 of shape (1,)
        >>> cross_entropy(torch.tensor([[1.0, 2.0, 100.0]]), torch.tensor([3]))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
          ...
        ValueError: cross_entropy: y holds the class index 3, but logits has 3 columns (classes 0 to 2); ...
    """
    _check_labels("cross_entropy", logits, y)
    # -log softmax(z_i)_{y_i}, from the stable log_softmax (logsumexp(z_i) - z_{i,y_i} would cancel)
    return -log_softmax(logits).gather(1, y.unsqueeze(1)).squeeze(1).mean()


# --8<-- [end:cross_entropy]
