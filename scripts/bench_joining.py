"""Time the reference `dlref.tensors.joining.cat` against `torch.cat`, side by side, in one process.

Run it from the repository root:

    .venv/bin/python scripts/bench_joining.py            # the default device (see dlref.device)
    DLREF_DEVICE=cpu .venv/bin/python scripts/bench_joining.py

For each case (a number of float32 tensors of one shape, joined along ``dim``) both functions are
checked to give equal results, warmed up, and then timed with `timeit`: the best of ``--repeat``
rounds of ``number`` calls each, ``number`` chosen so that one round takes about ``--round`` seconds,
the rounds of the two functions interleaved. The best round is the least disturbed by other
processes on a shared machine. The table prints the
time per call of each and their ratio, reference / torch: how many times slower the readable
version is. On CUDA each call is followed by `torch.cuda.synchronize()` so that the time covers the
copies, not just their launch.

The reference validates in Python, allocates with `torch.empty` and issues one `copy_` per input, so
its overhead is per input tensor: it is furthest behind for many small tensors and close to torch
for a few large ones, where both are limited by memory bandwidth. With the defaults the whole run
takes about 10 s.
"""

from __future__ import annotations

import argparse
import timeit
from functools import partial

import torch

from dlref.device import default_device
from dlref.tensors.joining import cat

CASES: list[tuple[int, tuple[int, ...], int]] = [
    # (number of tensors, shape of each, dim)
    (2, (8, 8), 0),
    (16, (8, 8), 1),
    (64, (4,), 0),
    (2, (256, 256), 0),
    (8, (256, 256), 1),
    (4, (512, 512), 0),
    (4, (512, 512), -1),
]


def best_times(functions: list[object], device: torch.device, repeat: int, round_seconds: float) -> list[float]:
    """Return the best time per call, in seconds, of each function over ``repeat`` interleaved rounds.

    The rounds alternate between the functions, so that a slow spell of the machine hits both.
    """

    def timer(function: object) -> timeit.Timer:
        def call() -> None:
            function()
            if device.type == "cuda":
                torch.cuda.synchronize(device)

        return timeit.Timer(call)

    timers = [timer(function) for function in functions]
    numbers = []
    for t in timers:
        t.timeit(number=3)  # warm-up: allocator caches, lazy initialisation
        once = t.timeit(number=1)
        numbers.append(max(1, int(round_seconds / max(once, 1e-9))))
    best = [float("inf")] * len(timers)
    for _ in range(repeat):
        for k, (t, number) in enumerate(zip(timers, numbers, strict=True)):
            best[k] = min(best[k], t.timeit(number=number) / number)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds per measurement; the best is kept (default 5)")
    parser.add_argument("--round", type=float, default=0.02, help="seconds per round, roughly (default 0.02)")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (default 1: steadier on a busy machine)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = default_device()
    torch.manual_seed(0)

    print(f"reference cat vs torch.cat on {device}, torch {torch.__version__}, float32, {args.threads} CPU thread(s)")
    print(f"best of {args.repeat} rounds of ~{args.round} s each, after warm-up\n")
    header = f"{'tensors':>7}  {'shape each':>12}  {'dim':>3}  {'reference':>12}  {'torch.cat':>12}  {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for count, shape, dim in CASES:
        tensors = [torch.randn(shape).to(device) for _ in range(count)]
        if not torch.equal(cat(tensors, dim=dim), torch.cat(tensors, dim=dim)):
            raise SystemExit(f"reference cat differs from torch.cat for {count} x {shape}, dim={dim}")
        ours, theirs = best_times(
            [partial(cat, tensors, dim=dim), partial(torch.cat, tensors, dim=dim)], device, args.repeat, args.round
        )
        print(
            f"{count:>7}  {'x'.join(map(str, shape)):>12}  {dim:>3}  "
            f"{ours * 1e6:>9.1f} us  {theirs * 1e6:>9.1f} us  {ours / theirs:>5.1f}x"
        )


if __name__ == "__main__":
    main()
