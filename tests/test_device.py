"""dlref.device: DLREF_DEVICE wins, else CUDA if available, else CPU; a missing device is one clear line."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import programs
from dlref import device as dev
from dlref.device import DeviceError, available_devices, default_device, resolve_device
from outcomes import judge
from profiles import scaled

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)


@pytest.fixture
def one_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)


def test_cpu_is_always_there() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert available_devices()[0] == torch.device("cpu")


@pytest.mark.usefixtures("no_cuda")
def test_automatic_choice_without_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(dev.ENV_VAR, raising=False)
    assert default_device() == torch.device("cpu")
    assert available_devices() == [torch.device("cpu")]


@pytest.mark.usefixtures("one_cuda")
def test_automatic_choice_with_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(dev.ENV_VAR, raising=False)
    assert default_device() == torch.device("cuda", 0)
    assert available_devices() == [torch.device("cpu"), torch.device("cuda", 0)]
    assert resolve_device("cuda") == torch.device("cuda", 0)


@pytest.mark.usefixtures("one_cuda")
def test_environment_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(dev.ENV_VAR, "cpu")
    assert default_device() == torch.device("cpu")
    monkeypatch.setenv(dev.ENV_VAR, "  ")
    assert default_device() == torch.device("cuda", 0)


@pytest.mark.usefixtures("no_cuda")
def test_cuda_where_there_is_none_is_an_error_not_a_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(dev.ENV_VAR, "cuda")
    with pytest.raises(DeviceError) as error:
        default_device()
    message = str(error.value)
    assert message.startswith("DLREF_DEVICE=cuda: 'cuda' asks for CUDA, but torch ")
    assert message.endswith("sees no CUDA device")
    assert "\n" not in message


@pytest.mark.usefixtures("one_cuda")
def test_a_cuda_index_past_the_last_device() -> None:
    with pytest.raises(DeviceError, match=r"^'cuda:3' asks for CUDA device 3, but this machine has 1$"):
        resolve_device("cuda:3")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("gpu", "'gpu' is not a device: use cpu, cuda or cuda:N"),
        ("cuda:x", "'cuda:x' is not a device: use cpu, cuda or cuda:N"),
        ("meta", "'meta' is a meta device; dlref runs on cpu or cuda[:N]"),
    ],
)
def test_names_that_are_not_dlref_devices(spec: str, message: str) -> None:
    with pytest.raises(DeviceError) as error:
        resolve_device(spec)
    assert str(error.value) == message


def test_test_command_stops_with_one_line_for_a_missing_device(missing_cuda: str) -> None:
    """``python -m pytest`` as a new interpreter runs it (``programs.run_module``: forked from
    the run's warm server, so without importing torch again)."""
    env = {**os.environ, dev.ENV_VAR: missing_cuda}
    result = programs.run_module("pytest", ["--collect-only", "-q", "tests/test_device.py"], cwd=ROOT, env=env)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"ERROR: DLREF_DEVICE={missing_cuda}: ")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("cpu:1", "'cpu:1' names CPU 1, but torch has one CPU device: use cpu"),
        (torch.device("cpu", 3), "'cpu:3' names CPU 3, but torch has one CPU device: use cpu"),
        (0, "0 is not a device: use cpu, cuda or cuda:N (a string or a torch.device)"),
        (1.5, "1.5 is not a device: use cpu, cuda or cuda:N (a string or a torch.device)"),
    ],
)
def test_a_cpu_index_or_a_bare_number_is_refused(spec: object, message: str) -> None:
    """torch accepts ``cpu:1`` and places tensors on its one CPU; ``torch.device(0)`` is an accelerator."""
    with pytest.raises(DeviceError) as error:
        resolve_device(spec)
    assert str(error.value) == message
    assert resolve_device("cpu:0") == torch.device("cpu")


SPECS = ["cpu", "cpu:0", "cpu:1", "cuda", "cuda:0", "cuda:1", "cuda:-1", "meta", "mps", "xla", "gpu", "", " cpu", "CPU"]


@settings(max_examples=scaled(40))
@given(
    spec=st.one_of(st.sampled_from(SPECS), st.text(max_size=6), st.integers(-1, 2), st.none()), as_device=st.booleans()
)
def test_resolve_device_accepts_exactly_the_devices_there_are(spec, as_device: bool) -> None:
    """Any name: the device torch would use, when this machine has it; else a DeviceError naming the spec."""
    if as_device and isinstance(spec, str):
        with contextlib.suppress(RuntimeError):
            spec = torch.device(spec)
    try:
        parsed = torch.device(spec) if isinstance(spec, (str, torch.device)) else None
    except RuntimeError:
        parsed = None
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if spec is None:
        expected = torch.device("cuda", 0) if count else torch.device("cpu")
    elif parsed is not None and parsed.type == "cpu" and parsed.index in (None, 0):
        expected = torch.device("cpu")
    elif parsed is not None and parsed.type == "cuda" and (parsed.index or 0) < count:
        expected = torch.device("cuda", parsed.index or 0)
    else:
        expected = None
    name = repr(str(spec)) if isinstance(spec, torch.device) else repr(spec)
    judge("resolve_device", lambda: resolve_device(spec), [name, repr(str(spec))],
          None if expected is None else (lambda device: device == expected), errors=(DeviceError,))  # fmt: skip


@settings(max_examples=scaled(20))
@given(value=st.one_of(st.sampled_from(SPECS), st.text(alphabet="cpuda:019 ", max_size=6)))
def test_default_device_names_the_variable(value: str, monkeypatch_env) -> None:
    """Whatever DLREF_DEVICE holds: resolve_device's answer, or its error prefixed with the variable."""
    monkeypatch_env.setenv(dev.ENV_VAR, value)
    try:
        expected = resolve_device(value.strip()) if value.strip() else resolve_device(None)
    except DeviceError:
        expected = None
    judge("default_device", default_device, [f"{dev.ENV_VAR}={value.strip()}"],
          None if expected is None else (lambda device: device == expected), errors=(DeviceError,))  # fmt: skip
    judge("available_devices", available_devices, [], lambda devices: devices[0] == torch.device("cpu"))


@pytest.fixture
def monkeypatch_env():
    """A MonkeyPatch that hypothesis' examples share, undone after the test."""
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.usefixtures("no_cuda")
@pytest.mark.parametrize(("cuda_version", "build"), [(None, "a CPU-only build"), ("12.4", "built for CUDA 12.4")])
def test_no_cuda_device_names_the_build_of_torch(
    cuda_version: str | None, build: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CPU-only wheel and a CUDA wheel on a machine without a GPU are different fixes: the message says which."""
    monkeypatch.setattr(torch.version, "cuda", cuda_version)
    expected = f"'cuda' asks for CUDA, but torch {torch.__version__} ({build}) sees no CUDA device"
    with pytest.raises(DeviceError, match=f"^{re.escape(expected)}$"):
        resolve_device("cuda")


@pytest.mark.usefixtures("one_cuda")
def test_the_index_after_the_last_device_is_refused() -> None:
    with pytest.raises(DeviceError, match=r"^'cuda:1' asks for CUDA device 1, but this machine has 1$"):
        resolve_device("cuda:1")
