r"""From tensors to NumPy, with the memory sharing stated instead of left to surprise.

`torch.Tensor.numpy` refuses a tensor that requires grad, one on a GPU, and one with its
conjugate or negative bit set, and, where it succeeds, returns an array that **shares memory** with
the tensor. `to_numpy` does what is usually meant (detach, move to the CPU, resolve the lazy bits)
and makes the sharing a choice, with NumPy's own convention for ``copy``:

* ``copy=None`` (default): share memory when possible (a CPU tensor), copy when necessary;
* ``copy=True``: always a new array;
* ``copy=False``: never copy; raise `ValueError` if a copy is unavoidable.

It is checked against ``t.numpy(force=True)`` (values, dtype, shape, strides) and for sharing by
mutation on every available device in ``tests/tensors/test_interop.py``.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["NUMPY_DTYPES", "to_numpy"]

NUMPY_DTYPES: dict[torch.dtype, np.dtype] = {
    torch.bool: np.dtype(np.bool_),
    torch.uint8: np.dtype(np.uint8),
    torch.uint16: np.dtype(np.uint16),
    torch.uint32: np.dtype(np.uint32),
    torch.uint64: np.dtype(np.uint64),
    torch.int8: np.dtype(np.int8),
    torch.int16: np.dtype(np.int16),
    torch.int32: np.dtype(np.int32),
    torch.int64: np.dtype(np.int64),
    torch.float16: np.dtype(np.float16),
    torch.float32: np.dtype(np.float32),
    torch.float64: np.dtype(np.float64),
    torch.complex64: np.dtype(np.complex64),
    torch.complex128: np.dtype(np.complex128),
}
"""The torch dtypes that have a NumPy dtype, and that dtype. ``bfloat16``, ``complex32`` and the
``float8`` types have none."""


# --8<-- [start:to_numpy]
def to_numpy(t: torch.Tensor, *, copy: bool | None = None) -> np.ndarray:
    """Return the values of ``t`` as a NumPy array: detached, on the CPU, with the same dtype.

    What happens, in order:

    1. ``t.detach()``: the array is outside autograd (``t.numpy()`` refuses a tensor that
       requires grad instead). This copies nothing.
    2. ``.cpu()``, if ``t`` is on another device: a copy, since NumPy arrays live in CPU memory.
    3. ``resolve_conj()`` and ``resolve_neg()``, if ``t`` is a lazily conjugated or negated view:
       a copy with the operation applied.
    4. ``.numpy()``: an array over the same memory, with the same shape and strides; no copy.

    So for a CPU tensor with ``copy=None`` the array **shares memory with** ``t``: writing to one
    changes the other, and for a parameter that means the model's weights.

    Args:
        t: a strided tensor whose dtype NumPy has (see `NUMPY_DTYPES`).
        copy: ``None`` to share memory when possible, ``True`` to always copy, ``False`` to refuse
            any copy (NumPy's meaning of ``copy``).

    Returns:
        An array of the same shape, dtype and values.

    Raises:
        TypeError: ``t`` is not a tensor, ``copy`` is not ``None`` or a bool, or NumPy has no
            dtype for ``t.dtype`` (``bfloat16``, say: convert it first, ``t.float()``).
        ValueError: ``t`` is not strided (sparse: use ``t.to_dense()``), or ``copy=False`` and a
            copy is needed (``t`` is not on the CPU, or has its conjugate or negative bit set).

    Examples:
        >>> w = torch.ones(3, requires_grad=True)
        >>> a = to_numpy(w)
        >>> a
        array([1., 1., 1.], dtype=float32)
        >>> a[0] = 5.0  # shared memory: this writes into w
        >>> w
        tensor([5., 1., 1.], requires_grad=True)
        >>> to_numpy(w, copy=True)[1] = 7.0  # a copy: w is unchanged
        >>> w
        tensor([5., 1., 1.], requires_grad=True)
        >>> to_numpy(torch.ones(2, dtype=torch.bfloat16))
        Traceback (most recent call last):
          ...
        TypeError: to_numpy: NumPy has no dtype for torch.bfloat16; convert the tensor first, e.g. t.float()
    """
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"to_numpy: t must be a tensor, got {type(t).__name__}")
    if copy is not None and not isinstance(copy, bool):
        raise TypeError(f"to_numpy: copy must be None, True or False, got {copy!r}")
    if t.layout != torch.strided:
        raise ValueError(f"to_numpy: t has layout {t.layout}; NumPy arrays are strided, use t.to_dense() first")
    if t.dtype not in NUMPY_DTYPES:
        raise TypeError(f"to_numpy: NumPy has no dtype for {t.dtype}; convert the tensor first, e.g. t.float()")

    copied = t.device.type != "cpu" or t.is_conj() or t.is_neg()  # steps 2 and 3 will copy
    if copy is False and copied:
        reason = f"t is on {t.device}" if t.device.type != "cpu" else "t is a lazy conjugate or negation"
        raise ValueError(f"to_numpy(copy=False): {reason}, and NumPy needs its values in CPU memory: a copy")

    t = t.detach().cpu().resolve_conj().resolve_neg()  # each step returns t itself when it has nothing to do
    array = t.numpy()
    return array.copy() if copy and not copied else array


# --8<-- [end:to_numpy]
