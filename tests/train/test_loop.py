"""Checks `dlref.train.loop`: fit learns, measures per epoch, never syncs inside a step; on every device."""

from __future__ import annotations

import contextlib
import io
import sys

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from dlref.data.batching import Batches
from dlref.data.synthetic import synthetic_linear
from dlref.models.linear import LinearRegressionScratch
from dlref.models.losses import cross_entropy, squared_loss
from dlref.train.loop import accuracy, evaluate, fit
from dlref.train.optim import SGD


def test_scratch_linear_regression_recovers_the_parameters(device: torch.device) -> None:
    torch.manual_seed(0)
    w_true = torch.tensor([2.0, -3.4])
    X, y = synthetic_linear(w_true.to(device), 4.2, 500)
    model = LinearRegressionScratch(2).to(device)
    history = fit(model, squared_loss, SGD(model.parameters(), lr=0.1), Batches(X, y, batch_size=25), epochs=4)
    assert len(history.loss) == 4
    assert history.loss[-1] < history.loss[0]
    assert history.metric == history.val_loss == history.val_metric == []
    torch.testing.assert_close(model.w.detach().flatten().cpu(), w_true, atol=0.01, rtol=0)
    assert abs(model.b.item() - 4.2) < 0.01


def test_history_matches_an_evaluation_and_tracks_the_metric(device: torch.device) -> None:
    torch.manual_seed(0)
    X = torch.randn(120, 4).to(device)
    y = (X[:, 0] > 0).long() + (X[:, 1] > 0).long()  # 3 classes
    model = nn.Linear(4, 3).to(device)
    val = Batches(X, y, batch_size=50, shuffle=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    history = fit(model, cross_entropy, optimizer, Batches(X, y, batch_size=32), epochs=3, val=val, metric=accuracy)
    assert len(history.metric) == len(history.val_loss) == len(history.val_metric) == 3
    assert all(0 <= a <= 1 for a in history.metric + history.val_metric)
    final = evaluate(model, cross_entropy, val, accuracy)
    assert final.loss == pytest.approx(history.val_loss[-1], rel=1e-5)
    assert final.metric == pytest.approx(history.val_metric[-1], rel=1e-5)
    with torch.no_grad():
        assert final.loss == pytest.approx(cross_entropy(model(X), y).item(), rel=1e-5)  # means over examples
    assert final.metric == pytest.approx(accuracy(model(X), y).item(), rel=1e-6)
    assert model.training  # evaluate restores the mode


def test_evaluate_leaves_the_model_in_the_mode_it_found(device: torch.device) -> None:
    """A model in eval mode stays in eval mode, one in training mode stays in training mode, and
    the evaluation itself runs in eval mode (dropout off: the loss of the model as it predicts)."""
    torch.manual_seed(0)
    X, y = torch.randn(8, 4).to(device), torch.randint(0, 3, (8,)).to(device)
    model = nn.Sequential(nn.Dropout(0.5), nn.Linear(4, 3)).to(device)
    batches = Batches(X, y, batch_size=3, shuffle=False)
    with torch.no_grad():
        expected = cross_entropy(model[1](X), y).item()  # dropout is the identity in eval mode
    for training in (False, True):
        model.train(training)
        assert evaluate(model, cross_entropy, batches).loss == pytest.approx(expected, rel=1e-6)
        assert model.training is training
        assert all(module.training is training for module in model)


def test_evaluate_without_a_metric_reports_none_and_refuses_no_batches_by_name() -> None:
    model = nn.Linear(2, 1)
    X, y = torch.randn(4, 2), torch.randn(4, 1)
    result = evaluate(model, nn.functional.mse_loss, [(X, y)])
    assert result.metric is None  # not the 0.0 of a metric sum that nothing added to
    with torch.no_grad():
        assert result.loss == pytest.approx(nn.functional.mse_loss(model(X), y).item(), rel=1e-6)
    with pytest.raises(ValueError, match=r"^evaluate: the batches were empty$"):
        evaluate(model, nn.functional.mse_loss, [])


def test_batches_are_moved_to_the_models_device(device: torch.device) -> None:
    """Batches on the CPU, the model on ``device``: fit and evaluate move each batch (its X and its
    y) to the model, and give what they give with the batches already there."""
    torch.manual_seed(0)
    X, y = torch.randn(10, 4), torch.randint(0, 3, (10,))
    on_cpu = [(X[:6], y[:6]), (X[6:], y[6:])]
    there = [(Xb.to(device), yb.to(device)) for Xb, yb in on_cpu]
    model = nn.Linear(4, 3).to(device)
    twin = nn.Linear(4, 3).to(device)
    twin.load_state_dict(model.state_dict())
    assert evaluate(model, cross_entropy, on_cpu, accuracy) == evaluate(model, cross_entropy, there, accuracy)
    histories = [
        fit(m, cross_entropy, SGD(m.parameters(), lr=0.1), batches, epochs=2, val=batches, metric=accuracy)
        for m, batches in ((model, on_cpu), (twin, there))
    ]
    assert histories[0] == histories[1]


def test_sums_stay_on_the_models_device_whatever_torchs_default_device() -> None:
    """``torch.set_default_device`` (here ``with torch.device("meta")``, which has no values to read)
    does not move the running sums of fit and evaluate off the model's device: the results are those
    of a run without it."""
    torch.manual_seed(0)
    X, y = torch.randn(10, 4), torch.randint(0, 3, (10,))
    batches = [(X[:6], y[:6]), (X[6:], y[6:])]
    models = [nn.Linear(4, 3), nn.Linear(4, 3)]
    models[1].load_state_dict(models[0].state_dict())
    expected = evaluate(models[0], cross_entropy, batches, accuracy)
    with torch.device("meta"):
        assert evaluate(models[0], cross_entropy, batches, accuracy) == expected
    histories = []
    for i, model in enumerate(models):
        optimizer = SGD(model.parameters(), lr=0.1)
        with torch.device("meta") if i else contextlib.nullcontext():
            histories.append(fit(model, cross_entropy, optimizer, batches, epochs=2, val=batches, metric=accuracy))
    assert histories[0] == histories[1]


def test_fit_reshuffles_a_distributed_sampler_each_epoch() -> None:
    """A ``DataLoader`` over a ``DistributedSampler`` gets ``sampler.set_epoch(epoch)`` before each
    epoch: epoch e sees the examples in the order the sampler draws for (seed, e), a new one each epoch."""
    dataset = TensorDataset(torch.arange(12.0).reshape(12, 1), torch.zeros(12, 1))
    sampler = DistributedSampler(dataset, num_replicas=1, rank=0, shuffle=True, seed=3)
    model = nn.Linear(1, 1)
    seen: list[float] = []
    model.register_forward_pre_hook(lambda module, args: seen.extend(args[0].flatten().tolist()))
    loader = DataLoader(dataset, batch_size=4, sampler=sampler)
    fit(model, nn.functional.mse_loss, SGD(model.parameters(), lr=0.1), loader, epochs=3)
    orders = []
    for epoch in range(3):
        sampler.set_epoch(epoch)
        orders.append([float(i) for i in sampler])
    assert orders[0] != orders[1] != orders[2]  # so an epoch that kept the first order shows
    assert seen == orders[0] + orders[1] + orders[2]


def _one_epoch_of_y_equals_x(X: torch.Tensor, y: torch.Tensor, loss_fn, metric=None):
    """One epoch of fit on the model y_hat = x (weight 1, bias 0, kept fixed by lr=0), in batches of
    4 and the rest, with the same batches as validation data: the history of a model that never moves."""
    model = nn.Linear(1, 1).to(X.device)
    with torch.no_grad():
        model.weight.fill_(1.0)
        model.bias.zero_()
    return fit(
        model,
        loss_fn,
        torch.optim.SGD(model.parameters(), lr=0.0),
        Batches(X, y, batch_size=4, shuffle=False),
        epochs=1,
        val=Batches(X, y, batch_size=4, shuffle=False),
        metric=metric,
    )


def test_fit_weights_each_batch_loss_by_its_size(device: torch.device) -> None:
    """The epoch's loss is the mean over examples: a last batch of 1 example counts for 1 of 5, not
    for half (batch means averaged would give a different number)."""
    X = torch.tensor([[0.0], [1.0], [2.0], [3.0], [4.0]], device=device)
    history = _one_epoch_of_y_equals_x(X, torch.zeros(5, 1, device=device), nn.functional.mse_loss)
    assert history.loss == pytest.approx([6.0])  # (0 + 1 + 4 + 9 + 16) / 5, where batch means give (3.5 + 16) / 2
    assert history.val_loss == pytest.approx([6.0])


def test_fit_weights_each_batch_metric_by_its_size() -> None:
    """The epoch's metric is a mean over examples too, summed over every batch: batches of 4 and 1
    with the metrics 0.5 and 1 give (4 * 0.5 + 1 * 1) / 5 = 0.6 (not the last batch's, nor 0.75)."""
    X = torch.tensor([[1.0], [-1.0], [1.0], [-1.0], [1.0]])
    loss_fn = nn.functional.binary_cross_entropy_with_logits
    history = _one_epoch_of_y_equals_x(X, torch.ones(5, 1), loss_fn, metric=accuracy)
    assert history.metric == pytest.approx([0.6])
    assert history.val_metric == pytest.approx([0.6])


def test_no_host_sync_inside_the_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count reads of tensor values on the host: one .tolist() per epoch, no .item()/float()."""
    calls = {"item": 0, "tolist": 0}
    item, tolist = torch.Tensor.item, torch.Tensor.tolist

    def counting(name, original):
        def wrapper(self, *args, **kwargs):
            calls[name] += 1
            return original(self, *args, **kwargs)

        return wrapper

    monkeypatch.setattr(torch.Tensor, "item", counting("item", item))
    monkeypatch.setattr(torch.Tensor, "tolist", counting("tolist", tolist))
    monkeypatch.setattr(torch.Tensor, "__float__", lambda self: pytest.fail("float(tensor) in the loop"))
    monkeypatch.setattr(torch.Tensor, "__bool__", lambda self: pytest.fail("a tensor used as a bool in the loop"))
    X, y = torch.randn(64, 3), torch.randint(0, 2, (64,))
    model = nn.Linear(3, 2)
    fit(model, cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1), Batches(X, y, batch_size=8), epochs=3,
        metric=accuracy, val=Batches(X, y, batch_size=16, shuffle=False))  # fmt: skip
    assert calls == {"item": 0, "tolist": 3}


def test_a_progress_bar_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = torch.randn(8, 1), torch.randn(8, 1)
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    fit(model, squared_loss, optimizer, Batches(X, y, batch_size=4), epochs=2)  # stderr is not a terminal here
    assert capsys.readouterr().err == ""
    fit(model, squared_loss, optimizer, Batches(X, y, batch_size=4), epochs=2, progress=True)
    assert "2/2" in capsys.readouterr().err


def test_the_progress_bar_shows_fit_the_epochs_and_the_last_epochs_history(capsys: pytest.CaptureFixture[str]) -> None:
    """tqdm's last line: ``fit: 100%|...| 3/3 [..., ...epoch/s, loss=...]``, then the last epoch's
    other entries of the history that exist, by their names there, 4 significant digits: the
    validation loss is ``val_loss`` (not a metric of 0 when there is no metric)."""
    torch.manual_seed(0)
    X, y = torch.randn(8, 1), torch.randn(8, 1)
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    within = lambda y_hat, y: ((y_hat - y).abs() < 0.5).float().mean()  # noqa: E731
    for val, metric, names in (
        (None, None, ["loss"]),
        (Batches(X, y, batch_size=4, shuffle=False), None, ["loss", "val_loss"]),
        (Batches(X, y, batch_size=4, shuffle=False), within, ["loss", "metric", "val_loss", "val_metric"]),
    ):
        train = Batches(X, y, batch_size=4)
        history = fit(model, squared_loss, optimizer, train, epochs=3, val=val, metric=metric, progress=True)
        last = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
        assert last.startswith("fit: 100%"), last
        assert " 3/3 [" in last, last
        shown = ", ".join(f"{name}={getattr(history, name)[-1]:.4g}" for name in names)
        assert last.endswith(f"epoch/s, {shown}]"), last


def test_the_progress_bar_shows_by_default_when_stderr_is_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    X, y = torch.randn(8, 1), torch.randn(8, 1)
    model = nn.Linear(1, 1)
    for stream, shown in ((Terminal(), True), (io.StringIO(), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        fit(model, squared_loss, torch.optim.SGD(model.parameters(), lr=0.01), Batches(X, y, batch_size=4), epochs=2)
        assert ("2/2" in stream.getvalue()) is shown


def test_a_model_without_parameters_is_evaluated_on_the_cpu() -> None:
    X, y = torch.randn(5, 2), torch.randn(5, 2)
    result = evaluate(nn.Identity(), nn.functional.mse_loss, [(X[:3], y[:3]), (X[3:], y[3:])])
    assert result.loss == pytest.approx(nn.functional.mse_loss(X, y).item(), rel=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs must be at least 1, got epochs=0"),
        (
            {"epochs": 1, "lr": 1e6},
            r"^fit: the training loss is (inf|nan) in epoch 0: the data hold NaN or inf"
            r" \(check X\.isfinite\(\)\.all\(\)\), or training diverged \(lower the lr\)$",
        ),
        ({"epochs": 1, "empty": True}, "train gave no batches in epoch 0"),
    ],
)
def test_bad_input(kwargs: dict, match: str) -> None:
    X, y = 100 * torch.randn(16, 2), torch.randn(16, 1)
    model = nn.Linear(2, 1)
    batches = iter([]) if kwargs.get("empty") else Batches(X, y, batch_size=4)
    optimizer = torch.optim.SGD(model.parameters(), lr=kwargs.get("lr", 0.01))
    with pytest.raises(ValueError, match=match):
        fit(model, squared_loss, optimizer, batches, epochs=kwargs["epochs"])
    neither = r"fit neither \(n, C\) with y \(n,\) nor \(n, 1\) with y \(n, 1\)$"
    with pytest.raises(ValueError, match=r"^accuracy: logits \(2, 3\) and y \(2, 1\) " + neither):
        accuracy(torch.ones(2, 3), torch.ones(2, 1))


@pytest.mark.parametrize("label_dtype", [torch.float32, torch.int64, torch.bool])
def test_binary_accuracy_predicts_one_only_for_a_positive_logit(label_dtype: torch.dtype, device: torch.device) -> None:
    """The prediction is 1 where sigmoid(z) > 0.5, that is z > 0: a logit of exactly 0 predicts 0.
    Labels 0 count as much as labels 1."""
    logits = torch.tensor([[2.0], [0.0], [-1.0], [0.0], [-0.0], [3.0]], device=device)
    y = torch.tensor([[1], [0], [0], [1], [0], [0]], device=device).to(label_dtype)
    by_definition = ((torch.sigmoid(logits) > 0.5) == y.bool()).double().mean()  # 4 of 6 right
    assert accuracy(logits, y).item() == pytest.approx(by_definition.item(), rel=1e-7)
    assert accuracy(logits[:3], y[:3]).item() == 1.0  # 1, 0 and 0 predicted, all right


@pytest.mark.parametrize(
    ("logits", "y", "error", "match"),
    [
        (torch.zeros(0, 3), torch.zeros(0, dtype=torch.int64), ValueError, r"the batch is empty \(logits \(0, 3\)\)"),
        (torch.zeros(0, 1), torch.zeros(0, 1), ValueError, "the batch is empty"),
        (
            torch.zeros(2, 3),
            torch.tensor([0.0, 1.0]),
            TypeError,
            r"integer class indices, got torch.float32: use y.long",
        ),
        (torch.zeros(2, 3), torch.tensor([True, False]), TypeError, "got torch.bool"),
        (
            torch.zeros(2, 3, dtype=torch.int64),
            torch.tensor([0, 1]),
            TypeError,
            "floating-point tensor, got torch.int64",
        ),
        (torch.zeros(2, 3), [0, 1], TypeError, "y must be a tensor, got list"),
        ([[0.0, 1.0]], torch.tensor([1]), TypeError, r"^accuracy: logits must be a floating-point tensor, got list$"),
        (
            torch.zeros(2, 3),
            torch.zeros(2, dtype=torch.int64, device="meta"),
            ValueError,
            r"^accuracy: logits are on cpu and y on meta: move y, y\.to\(logits\.device\)$",
        ),
    ],
)
def test_accuracy_refuses_what_has_no_accuracy(logits, y, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        accuracy(logits, y)


@pytest.mark.parametrize(
    ("logits", "y"),
    [
        (torch.tensor([[1.0], [-1.0]]), torch.tensor([[2.0], [0.0]])),  # binary label 2
        (torch.tensor([[1.0], [-1.0]]), torch.tensor([[1.0], [-1.0]])),  # binary label -1
        (torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 2])),  # class 2 of 2
        (torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([-1, 1])),
        (torch.tensor([[float("nan"), 0.0], [0.0, 1.0]]), torch.tensor([0, 1])),  # NaN logit
    ],
)
def test_accuracy_of_bad_values_is_nan_and_fit_refuses_it(logits, y, device: torch.device) -> None:
    """Values cannot be checked without a read from the device: the result is NaN, never a plausible number."""
    logits, y = logits.to(device), y.to(device)
    assert accuracy(logits, y).isnan()
    model = nn.Linear(1, 1).to(device)
    batches = Batches(torch.ones(len(y), 1, device=device), torch.ones(len(y), 1, device=device), batch_size=2)
    zero_loss = lambda out, t: (out * 0).sum()  # noqa: E731
    bad_metric = lambda out, t: accuracy(logits, y)  # noqa: E731
    with pytest.raises(ValueError, match="fit: the metric is nan in epoch 0: a label is out of range"):
        fit(model, zero_loss, SGD(model.parameters(), lr=0.1), batches, epochs=1, metric=bad_metric)
    with pytest.raises(ValueError, match="evaluate: the metric is nan"):
        evaluate(model, zero_loss, batches, bad_metric)


def test_fit_refuses_a_fractional_epoch_count() -> None:
    model = nn.Linear(1, 1)
    with pytest.raises(TypeError, match=r"epochs must be an int, got epochs=2\.5"):
        fit(model, nn.functional.mse_loss, torch.optim.SGD(model.parameters(), lr=0.1),
            Batches(torch.ones(2, 1), torch.ones(2, 1), batch_size=1), epochs=2.5)  # fmt: skip
