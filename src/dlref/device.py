r"""Where dlref puts tensors: one rule, used by the pages, the notebooks and the tests.

The device is chosen in this order:

1. the environment variable ``DLREF_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``), when it is set;
2. otherwise CUDA (device 0) when torch can see a CUDA device;
3. otherwise the CPU.

Asking for CUDA where there is none is a [`DeviceError`][dlref.device.DeviceError] with a one-line
message, never a silent fall-back to the CPU: a page that claims to have been verified on a GPU must
have run on one.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: the site build imports this module without needing torch
    import torch

__all__ = ["ENV_VAR", "DeviceError", "available_devices", "default_device", "resolve_device"]

ENV_VAR = "DLREF_DEVICE"
"""The environment variable that overrides the automatic choice of device."""


class DeviceError(RuntimeError):
    """The requested device does not exist, or is not available on this machine."""


def resolve_device(spec: str | torch.device | None = None) -> torch.device:
    """Turn a device name into a `torch.device` that exists on this machine.

    ``None`` means "choose": CUDA device 0 if torch sees one, else the CPU. Only ``cpu`` and
    ``cuda[:N]`` are accepted, since those are the devices dlref's pages are verified on.

    Args:
        spec: ``"cpu"``, ``"cuda"``, ``"cuda:N"``, a `torch.device`, or ``None``.

    Returns:
        The device, with an explicit index for CUDA (``cuda`` becomes ``cuda:0``).

    Raises:
        DeviceError: the name is not a device, is not a CPU or CUDA device (``meta``, ``mps``, a
            bare number), names a CPU other than ``cpu:0`` (torch has one CPU device), or names a
            CUDA device that this machine does not have.

    Examples:
        >>> resolve_device("cpu")
        device(type='cpu')
        >>> resolve_device("gpu")
        Traceback (most recent call last):
          ...
        dlref.device.DeviceError: 'gpu' is not a device: use cpu, cuda or cuda:N
        >>> resolve_device("cpu:1")
        Traceback (most recent call last):
          ...
        dlref.device.DeviceError: 'cpu:1' names CPU 1, but torch has one CPU device: use cpu
    """
    import torch

    if spec is None:
        return torch.device("cuda", 0) if torch.cuda.is_available() else torch.device("cpu")
    if not isinstance(spec, (str, torch.device)):  # torch.device(1) would mean the accelerator 1
        raise DeviceError(f"{spec!r} is not a device: use cpu, cuda or cuda:N (a string or a torch.device)")
    try:
        device = torch.device(spec)
    except (RuntimeError, TypeError):
        raise DeviceError(f"{spec!r} is not a device: use cpu, cuda or cuda:N") from None
    if device.type == "cpu":
        if device.index not in (None, 0):  # torch accepts "cpu:1" and puts tensors on the one CPU
            raise DeviceError(f"{str(spec)!r} names CPU {device.index}, but torch has one CPU device: use cpu")
        return torch.device("cpu")
    if device.type != "cuda":
        raise DeviceError(f"{str(spec)!r} is a {device.type} device; dlref runs on cpu or cuda[:N]")
    if not torch.cuda.is_available():
        build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
        raise DeviceError(f"{str(spec)!r} asks for CUDA, but torch {torch.__version__} ({build}) sees no CUDA device")
    index = 0 if device.index is None else device.index
    count = torch.cuda.device_count()
    if index >= count:
        raise DeviceError(f"{str(spec)!r} asks for CUDA device {index}, but this machine has {count}")
    return torch.device("cuda", index)


def default_device() -> torch.device:
    """The device dlref uses: ``$DLREF_DEVICE`` if set, else CUDA if available, else the CPU.

    Read afresh on every call (it is cheap), so a test or a page can change the variable.

    Raises:
        DeviceError: ``$DLREF_DEVICE`` names a device that this machine does not have. The message
            names the variable and its value.

    Examples:
        >>> default_device().type in {"cpu", "cuda"}
        True
    """

    spec = os.environ.get(ENV_VAR, "").strip()
    if not spec:
        return resolve_device(None)
    try:
        return resolve_device(spec)
    except DeviceError as error:
        raise DeviceError(f"{ENV_VAR}={spec}: {error}") from None


def available_devices() -> list[torch.device]:
    """Every device this machine can run dlref on: the CPU, then each CUDA device.

    Tests are parametrised over this list, so on a GPU machine every check runs on both.

    Examples:
        >>> available_devices()[0]
        device(type='cpu')
    """
    import torch

    if not torch.cuda.is_available():
        return [torch.device("cpu")]
    return [torch.device("cpu"), *(torch.device("cuda", i) for i in range(torch.cuda.device_count()))]
