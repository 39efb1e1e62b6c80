r"""One call to make a run repeatable: seed Python, NumPy and torch, and optionally insist on determinism.

Seeding fixes the random numbers; it does not make every kernel deterministic. Some CUDA kernels
(scatter-adds with atomics, some convolution algorithms) add in an order that varies from run to run;
``torch.use_deterministic_algorithms(True)`` makes torch pick deterministic kernels and raise where
there is none. On the CPU the kernels used in the walkthroughs are deterministic already, so two
seeded runs give bit-identical results (``tests/train/test_seed.py`` checks it).
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["seed_everything"]


# --8<-- [start:seed_everything]
def seed_everything(seed: int, *, deterministic: bool = False) -> None:
    """Seed `random`, NumPy's global generator, and torch (the CPU and every CUDA device).

    Args:
        seed: a non-negative int below $2^{32}$ (NumPy's limit).
        deterministic: also call ``torch.use_deterministic_algorithms(True)``, disable cuDNN's
            benchmark mode and set ``CUBLAS_WORKSPACE_CONFIG`` (required by cuBLAS for
            deterministic matrix products; it must be set before the first CUDA matrix product).
            This setting is process-wide and stays on: an operation without a deterministic kernel
            then raises. ``False`` leaves those settings as they are.

    Raises:
        ValueError: ``seed`` is negative or too large.

    Examples:
        >>> seed_everything(0)
        >>> random.random(), np.random.rand(), torch.rand(1)
        (0.8444218515250481, 0.5488135039273248, tensor([0.4963]))
        >>> seed_everything(0)
        >>> random.random(), np.random.rand(), torch.rand(1)
        (0.8444218515250481, 0.5488135039273248, tensor([0.4963]))
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"seed_everything: seed must be an int in [0, 2**32), got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds the CPU generator and every CUDA device's
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False


# --8<-- [end:seed_everything]
