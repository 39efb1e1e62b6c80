"""Measure the training loop's costs side by side, in one run, and print the ratios.

1. From-scratch vs concise, per epoch: an MLP on the digits, trained by the same ``fit`` with the same
   batches, once with the from-scratch model, loss and optimiser (``MLPScratch``, ``cross_entropy``,
   ``dlref.train.optim.SGD``) and once with ``nn.Sequential``, ``nn.CrossEntropyLoss`` and
   ``torch.optim.SGD``. Target: scratch / concise <= 1.2. A ``DataLoader`` epoch is printed as well.
2. Batch iterators, per epoch: ``Batches`` (one ``torch.randperm`` on the data's device, one gather,
   then slices) vs ``ListShuffleBatches`` (d2l's ``data_iter``: shuffle a Python list, build an index
   tensor per batch). Target: list-shuffle / randperm >= 5.
3. With CUDA: an MLP epoch on the GPU vs the CPU (skipped, with the reason printed, without CUDA).

Each measurement is the minimum over repetitions (as `timeit` advises: on a shared machine the
noise only ever adds time), the variants interleaved so that a busy machine slows both alike.
Run: ``.venv/bin/python scripts/bench_training.py`` (about 15 s).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch
from torch import nn

from dlref.data.batching import Batches, ListShuffleBatches
from dlref.data.datasets import digits
from dlref.data.synthetic import synthetic_linear
from dlref.models.losses import cross_entropy
from dlref.models.mlp import MLPScratch, mlp_sequential
from dlref.train.loop import fit
from dlref.train.optim import SGD


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(function: Callable[[], object], device: torch.device) -> float:
    sync(device)
    start = time.perf_counter()
    function()
    sync(device)
    return time.perf_counter() - start


def interleaved(variants: dict[str, Callable[[], object]], device: torch.device, repeats: int) -> dict[str, float]:
    """Fastest seconds of each variant over ``repeats`` interleaved calls, after one warm-up call of each."""
    for function in variants.values():
        function()
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, function in variants.items():
            samples[name].append(timed(function, device))
    return {name: min(values) for name, values in samples.items()}


def mlp_epoch_variants(device: torch.device, hidden: int = 128) -> dict[str, Callable[[], object]]:
    data = digits(device)
    batches = Batches(data.X_train, data.y_train, batch_size=64)
    torch.manual_seed(0)
    scratch = MLPScratch(64, hidden, 10).to(device)
    scratch_optimizer = SGD(scratch.parameters(), lr=0.1)
    concise = mlp_sequential(64, hidden, 10).to(device)
    concise_loss = nn.CrossEntropyLoss()
    concise_optimizer = torch.optim.SGD(concise.parameters(), lr=0.1)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(data.X_train, data.y_train), batch_size=64, shuffle=True
    )
    return {
        "scratch": lambda: fit(scratch, cross_entropy, scratch_optimizer, batches, epochs=1, progress=False),
        "concise": lambda: fit(concise, concise_loss, concise_optimizer, batches, epochs=1, progress=False),
        "concise + DataLoader": lambda: fit(concise, concise_loss, concise_optimizer, loader, epochs=1, progress=False),
    }


def iterator_variants(device: torch.device) -> dict[str, Callable[[], object]]:
    torch.manual_seed(0)
    X, y = synthetic_linear(torch.tensor([2.0, -3.4], device=device), 4.2, n=10_000)

    def one_epoch(batches: object) -> Callable[[], object]:
        def run() -> int:
            count = 0
            for _X, _y in batches:  # type: ignore[attr-defined]
                count += 1
            return count

        return run

    return {
        "randperm (Batches)": one_epoch(Batches(X, y, batch_size=10)),
        "list shuffle (seeds)": one_epoch(ListShuffleBatches(X, y, batch_size=10)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (default 1: these small ops gain nothing from more, and on a shared"
        " machine extra threads only wait for cores)",
    )
    torch.set_num_threads(parser.parse_args().threads)
    cpu = torch.device("cpu")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads")

    times = interleaved(mlp_epoch_variants(cpu), cpu, repeats=20)
    print("\n1. MLP epoch on the digits (1348 examples, batch 64), CPU:")
    for name, seconds in times.items():
        print(f"   {name:22s} {1e3 * seconds:8.2f} ms")
    ratio = times["scratch"] / times["concise"]
    print(f"   scratch / concise = {ratio:.2f} (target <= 1.2: {'met' if ratio <= 1.2 else 'NOT met'})")

    devices = [cpu] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    print("\n2. One epoch of batch iteration, 10 000 examples, batch 10:")
    for device in devices:
        times = interleaved(iterator_variants(device), device, repeats=11)
        for name, seconds in times.items():
            print(f"   {device.type:4s} {name:22s} {1e3 * seconds:8.2f} ms")
        ratio = times["list shuffle (seeds)"] / times["randperm (Batches)"]
        print(
            f"   {device.type:4s} randperm is {ratio:.1f}x faster (target >= 5: {'met' if ratio >= 5 else 'NOT met'})"
        )

    print("\n3. MLP epoch, GPU vs CPU:")
    if not torch.cuda.is_available():
        print(f"   skipped: torch {torch.__version__} sees no CUDA device on this machine")
        return
    gpu = torch.device("cuda")
    per_device = {}
    for device in (cpu, gpu):
        variants = mlp_epoch_variants(device, hidden=1024)
        per_device[device.type] = interleaved({"concise": variants["concise"]}, device, repeats=10)["concise"]
        print(f"   {device.type:4s} concise MLP (1024 hidden) epoch {1e3 * per_device[device.type]:8.2f} ms")
    print(
        f"   GPU is {per_device['cpu'] / per_device['cuda']:.1f}x faster than the CPU ({torch.cuda.get_device_name()})"
    )


if __name__ == "__main__":
    main()
