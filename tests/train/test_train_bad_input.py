"""Generated bad and good input for each public function of `dlref.train` (checkpoint, loop, optim).

Each example is judged by ``tests/outcomes.py``: torch's result where torch has one (``torch.optim.SGD``,
``load_state_dict``), a result from the definition otherwise (accuracy), or a documented error whose
message names the argument at fault. A refused checkpoint must leave every tensor as it was.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlref.data.batching import Batches
from dlref.train.checkpoint import load_checkpoint, save_checkpoint
from dlref.train.loop import accuracy, evaluate, fit
from dlref.train.optim import SGD
from outcomes import judge
from profiles import scaled

fast = settings(max_examples=scaled(25))
SPECIAL = [math.nan, math.inf, -math.inf]


@st.composite
def logits_and_labels(draw: st.DrawFn, device: torch.device):
    n = draw(st.integers(0, 4) if draw(st.integers(0, 3)) == 0 else st.integers(1, 4))
    classes = draw(st.integers(1, 4))
    logits = torch.randn(n, classes, generator=torch.Generator().manual_seed(draw(st.integers(0, 99))))
    if n and draw(st.booleans()):
        logits[draw(st.integers(0, n - 1)), 0] = draw(st.sampled_from(SPECIAL))
    logits = logits.to(draw(st.sampled_from([torch.float32, torch.float64, torch.float32, torch.int64])))
    y_dtype = draw(st.sampled_from([torch.int64, torch.int64, torch.int32, torch.float32, torch.bool]))
    in_range = draw(st.integers(0, 3)) > 0  # mostly labels in range: accuracies to compare
    labels = [draw(st.integers(0, max(classes - 1, 1)) if in_range else st.integers(-1, classes)) for _ in range(n)]
    y = torch.tensor(labels).to(y_dtype)
    if classes == 1:
        y = y.reshape(n, 1)
    if draw(st.integers(0, 7)) == 0:
        y = y[:-1] if n else y.reshape(-1, 2)  # a shape that fits neither case
    return logits.to(device), y.to(device)


def accuracy_by_definition(logits: torch.Tensor, y: torch.Tensor) -> float:
    """The fraction right, example by example, in Python; NaN for a label out of range or a NaN logit."""
    rows, right = logits.tolist(), 0
    for row, label in zip(rows, y.tolist(), strict=True):
        if logits.shape[1] == 1:
            (label,) = label
            if label not in (0, 1) or math.isnan(row[0]):
                return math.nan
            right += (row[0] > 0) == bool(label)
        else:
            if not 0 <= label < len(row) or any(math.isnan(v) for v in row):
                return math.nan
            right += max(range(len(row)), key=lambda k: (row[k], -k)) == label
    return right / len(rows)


@fast
@given(data=st.data())
def test_accuracy(data: st.DataObject, device: torch.device) -> None:
    logits, y = data.draw(logits_and_labels(device))
    binary = logits.dim() == 2 and logits.shape[1] == 1 and y.shape == logits.shape
    multi = logits.dim() == 2 and y.shape == logits.shape[:1]
    bad = []
    if not logits.is_floating_point():
        bad.append("logits must be")
    if not (binary or multi):
        bad.append("fit neither")
    elif len(y) == 0:
        bad.append("empty")
    elif multi and not binary and (y.is_floating_point() or y.dtype == torch.bool):
        bad.append("labels y must be integer")

    def right(result: torch.Tensor) -> bool:
        expected = accuracy_by_definition(logits.float().cpu(), y.cpu())
        assert (result.device, result.dtype, result.dim()) == (logits.device, logits.dtype, 0)
        return math.isnan(expected) == bool(result.isnan()) and (
            math.isnan(expected) or abs(result.item() - expected) < 1e-6
        )

    judge("accuracy", lambda: accuracy(logits, y), bad, None if bad else right)


@fast
@given(
    lr=st.one_of(st.floats(-1, 1), st.sampled_from([*SPECIAL, True, "0.1", 0])),
    dtype=st.sampled_from([torch.float32, torch.float64, torch.int64]),
    count=st.integers(0, 2),
)
def test_sgd_steps_like_torch(lr, dtype: torch.dtype, count: int, device: torch.device) -> None:
    params = [torch.arange(3.0, device=device).to(dtype) * (i + 1) for i in range(count)]
    bad = []
    if not params:
        bad.append("no parameters")
    elif not dtype.is_floating_point:
        bad.append("params[0]")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (math.isfinite(lr) and lr > 0):
        bad.append("lr")

    def right(optimizer: SGD) -> bool:  # one step, the same as torch.optim.SGD's
        ours = [p.clone().requires_grad_() for p in params]
        theirs = [p.clone().requires_grad_() for p in params]
        optimizer.params = ours
        for group in (ours, theirs):
            sum((p**2).sum() for p in group).backward()
        optimizer.step()
        torch.optim.SGD(theirs, lr=lr).step()
        return all(torch.equal(a, b) for a, b in zip(ours, theirs, strict=True))

    judge("SGD", lambda: SGD(params, lr=lr), bad, None if bad else right)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ([], r"^SGD: got no parameters to optimise$"),
        ([torch.zeros(1), torch.zeros(1, dtype=torch.int64)], r"^SGD: params\[1\] is a torch\.int64 tensor; pass"),
        ([1.0], r"^SGD: params\[0\] is a float; pass floating-point tensors, model\.parameters\(\)$"),
    ],
)
def test_sgd_names_the_parameter_it_cannot_optimise(params: list, match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        SGD(params, lr=0.1)


@pytest.mark.parametrize(
    ("state", "held"),
    [
        ({"lr": 0.5}, None),
        ({"lr": -1.0}, None),
        ({"lr": math.nan}, None),
        ({}, "[]"),
        ({"lr": 0.1, "momentum": 0.9}, "['lr', 'momentum']"),
        ({"state": {}, "param_groups": []}, "['param_groups', 'state']"),  # a torch.optim optimiser's
        ([0.1], "list"),
        (0.1, "float"),
    ],
)
def test_sgd_load_state_dict(state, held: str | None) -> None:
    """A state of the wrong shape is refused with what it holds: a dict's keys, sorted, or the type of
    anything else."""
    optimizer = SGD([torch.zeros(1)], lr=0.1)
    shaped = isinstance(state, dict) and set(state) == {"lr"}
    good = shaped and state["lr"] > 0
    right = (lambda _: optimizer.lr == state["lr"]) if good else None
    judge("SGD.load_state_dict", lambda: optimizer.load_state_dict(state), ["lr="] if shaped else ["state must"], right)
    if held is not None:
        with pytest.raises(ValueError, match=re.escape(f"as SGD.state_dict() gives; got {held}") + "$"):
            optimizer.load_state_dict(state)


@settings(max_examples=scaled(15))
@given(epochs=st.one_of(st.integers(-1, 2), st.sampled_from([1.5, True, "2"])), rows=st.integers(0, 3))
def test_fit_and_evaluate(epochs, rows: int, device: torch.device) -> None:
    torch.manual_seed(0)
    X, y = torch.randn(rows, 2, device=device), torch.randn(rows, 1, device=device)
    model = nn.Linear(2, 1).to(device)
    reference = copy.deepcopy(model)
    batches = Batches(X, y, batch_size=2, shuffle=False)
    bad = []
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        bad.append("epochs")
    elif rows == 0:
        bad.append("no batches")

    def right(history) -> bool:  # the same steps as torch.optim.SGD on the same batches
        optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
        for _ in range(epochs):
            for xb, yb in batches:
                optimizer.zero_grad()
                nn.functional.mse_loss(reference(xb), yb).backward()
                optimizer.step()
        assert len(history.loss) == epochs
        return all(torch.allclose(a, b) for a, b in zip(model.parameters(), reference.parameters(), strict=True))

    def call():
        return fit(model, nn.functional.mse_loss, torch.optim.SGD(model.parameters(), lr=0.1), batches, epochs=epochs)

    judge("fit", call, bad, None if bad else right)
    judge("evaluate", lambda: evaluate(model, nn.functional.mse_loss, batches), ["empty"] if rows == 0 else [],
          None if rows == 0 else (lambda e: math.isfinite(e.loss)))  # fmt: skip


def layers(sizes: list[int], bias: bool) -> nn.Sequential:
    return nn.Sequential(*(nn.Linear(a, b, bias=bias) for a, b in itertools.pairwise(sizes)))


def every_tensor(*objects) -> list[torch.Tensor]:
    out = [torch.get_rng_state()]
    for thing in objects:
        state = thing.state_dict()
        if "state" in state:
            out += [v.clone() for s in state["state"].values() for v in s.values() if isinstance(v, torch.Tensor)]
            out += [torch.tensor([float(g["lr"]) for g in state["param_groups"]])]
        else:
            out += [v.clone() if isinstance(v, torch.Tensor) else torch.tensor(float(v)) for v in state.values()]
    return out


@settings(max_examples=scaled(20))
@given(
    saved=st.lists(st.integers(1, 3), min_size=2, max_size=4),
    loaded=st.one_of(st.none(), st.lists(st.integers(1, 3), min_size=2, max_size=4)),  # None: as saved
    bias=st.tuples(st.booleans(), st.booleans()),
    kinds=st.tuples(st.sampled_from(["SGD", "Adam", "dlref SGD"]), st.sampled_from(["SGD", "Adam", "dlref SGD", None])),
)
def test_checkpoints(saved, loaded, bias, kinds, tmp_path_factory, device: torch.device) -> None:
    """Any two architectures and optimisers: loaded exactly when they match, else refused with nothing changed."""
    path = Path(tmp_path_factory.mktemp("c")) / "c.pt"
    loaded = saved if loaded is None else loaded
    make = {
        "SGD": lambda m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9),
        "Adam": lambda m: torch.optim.Adam(m.parameters(), lr=0.1),
        "dlref SGD": lambda m: SGD(m.parameters(), lr=0.1),
    }
    source = layers(saved, bias[0]).to(device)
    source_optimizer = make[kinds[0]](source)
    source(torch.ones(1, saved[0], device=device)).sum().backward()
    source_optimizer.step()
    save_checkpoint(path, source, source_optimizer, epoch=3)
    target = layers(loaded, bias[1]).to(device)
    target_optimizer = make[kinds[1]](target) if kinds[1] else None
    before = every_tensor(target, *([target_optimizer] if target_optimizer else []))
    same_model = saved == loaded and bias[0] == bias[1]
    same_optimizer = kinds[1] is None or kinds[1] == kinds[0]
    bad = [] if same_model else ["architecture"]
    if same_model and not same_optimizer:
        bad.append("optimiser state")

    def right(epoch: int) -> bool:
        assert epoch == 3
        for a, b in zip(target.state_dict().values(), source.state_dict().values(), strict=True):
            assert torch.equal(a, b)
        return True

    call = lambda: load_checkpoint(path, target, target_optimizer)  # noqa: E731
    judge("load_checkpoint", call, bad, None if bad else right, errors=(ValueError, RuntimeError))
    if bad:
        after = every_tensor(target, *([target_optimizer] if target_optimizer else []))
        assert len(after) == len(before)
        assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True))
