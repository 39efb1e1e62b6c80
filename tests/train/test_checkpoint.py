"""Checks `dlref.train.checkpoint`: resuming is bit-identical to never stopping (CPU), and files load weights-only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from torch import nn

from dlref.data.batching import Batches
from dlref.models.losses import cross_entropy
from dlref.train.checkpoint import load_checkpoint, save_checkpoint
from dlref.train.loop import fit


def setup(device: torch.device, seed: int = 0):
    """The same data every time; the model's initial weights, the global RNG and the shuffling from ``seed``."""
    X = torch.randn(96, 5, generator=torch.Generator().manual_seed(0)).to(device)
    torch.manual_seed(seed)
    y = (X.sum(1) > 0).long()
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)  # state: moments and step counts
    generator = torch.Generator(device=device).manual_seed(seed)
    return model, optimizer, Batches(X, y, batch_size=16, generator=generator), generator


def test_resume_is_bit_identical_on_the_cpu(tmp_path: Path) -> None:
    device = torch.device("cpu")
    straight_model, optimizer, batches, _ = setup(device)
    straight = fit(straight_model, cross_entropy, optimizer, batches, epochs=4)

    model, optimizer, batches, generator = setup(device)
    first = fit(model, cross_entropy, optimizer, batches, epochs=2)
    save_checkpoint(tmp_path / "c.pt", model, optimizer, epoch=2, generator=generator)
    fresh_model, fresh_optimizer, fresh_batches, fresh_generator = setup(device, seed=99)  # other weights, other RNG
    assert load_checkpoint(tmp_path / "c.pt", fresh_model, fresh_optimizer, generator=fresh_generator) == 2
    second = fit(fresh_model, cross_entropy, fresh_optimizer, fresh_batches, epochs=2)

    assert first.loss + second.loss == straight.loss  # exactly, float for float
    for resumed, reference in zip(fresh_model.parameters(), straight_model.parameters(), strict=True):
        assert torch.equal(resumed, reference)


def test_load_restores_the_global_random_state(device: torch.device, tmp_path: Path) -> None:
    """After a load, torch's global generator on ``device`` draws what it would have drawn right after the save
    (dropout and initialisation use it); restore_rng=False leaves it alone."""
    model = nn.Linear(2, 1)
    torch.manual_seed(7)  # seeds the CUDA generators too
    save_checkpoint(tmp_path / "c.pt", model, torch.optim.SGD(model.parameters(), lr=0.1), epoch=1)
    after_save = torch.rand(4, device=device)
    torch.manual_seed(8)
    load_checkpoint(tmp_path / "c.pt", model)
    assert torch.equal(torch.rand(4, device=device), after_save)
    torch.manual_seed(8)
    untouched = torch.get_rng_state()
    load_checkpoint(tmp_path / "c.pt", model, restore_rng=False)
    assert torch.equal(torch.get_rng_state(), untouched)


def test_the_cuda_random_state_is_saved_and_restored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With torch.cuda's generators faked, so that this runs without a GPU too (the test above draws from real
    ones where there is CUDA): save_checkpoint stores what torch.cuda.get_rng_state_all returns, and
    load_checkpoint hands it to torch.cuda.set_rng_state_all, unless restore_rng=False."""
    states = [torch.arange(16, dtype=torch.uint8), torch.arange(16, 32, dtype=torch.uint8)]  # two devices' states
    restored: list[list[torch.Tensor]] = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_rng_state_all", lambda: [state.clone() for state in states])
    monkeypatch.setattr(torch.cuda, "set_rng_state_all", restored.append)
    model = nn.Linear(2, 1)
    save_checkpoint(tmp_path / "c.pt", model, torch.optim.SGD(model.parameters(), lr=0.1), epoch=1)
    load_checkpoint(tmp_path / "c.pt", model, restore_rng=False)
    assert restored == []
    load_checkpoint(tmp_path / "c.pt", model)
    assert len(restored) == 1
    assert len(restored[0]) == len(states)
    for loaded, saved in zip(restored[0], states, strict=True):
        assert torch.equal(loaded, saved)


def test_checkpoints_cross_devices(device: torch.device, tmp_path: Path) -> None:
    model, optimizer, batches, generator = setup(device)
    fit(model, cross_entropy, optimizer, batches, epochs=1)
    save_checkpoint(tmp_path / "c.pt", model, optimizer, epoch=1, generator=generator)
    cpu_model, cpu_optimizer, _, _ = setup(torch.device("cpu"), seed=5)
    load_checkpoint(tmp_path / "c.pt", cpu_model, cpu_optimizer, restore_rng=False)
    for loaded, saved in zip(cpu_model.parameters(), model.parameters(), strict=True):
        assert torch.equal(loaded, saved.cpu())
    assert cpu_optimizer.state_dict()["state"][0]["exp_avg"].device.type == "cpu"


def test_a_pickled_model_is_refused_by_weights_only_loading(tmp_path: Path) -> None:
    torch.save(nn.Linear(2, 1), tmp_path / "model.pt")  # pickles the class: loading runs code
    refused = r"^load_checkpoint: cannot read .*model\.pt as a checkpoint: UnpicklingError: Weights only load failed"
    with pytest.raises(ValueError, match=refused):
        load_checkpoint(tmp_path / "model.pt", nn.Linear(2, 1))


def test_weights_only_loading_holds_when_the_environment_turns_the_default_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 makes torch.load unpickle anything when weights_only is not passed
    (and torch < 2.6 did so by default): load_checkpoint passes weights_only=True, so the file is still refused."""
    torch.save(nn.Linear(2, 1), tmp_path / "model.pt")
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    with pytest.raises(ValueError, match=r"^load_checkpoint: cannot read .*model\.pt as a checkpoint: .*Weights only"):
        load_checkpoint(tmp_path / "model.pt", nn.Linear(2, 1))


def test_a_checkpoint_written_on_a_gpu_loads_without_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The file is read onto the CPU. A GPU is simulated: torch.save records each tensor's device with
    torch.serialization.location_tag, made to say "cuda:0"; without map_location, reading such a file on a
    machine without CUDA is an error."""
    model, optimizer, _, _ = setup(torch.device("cpu"))
    with monkeypatch.context() as gpu:
        gpu.setattr(torch.serialization, "location_tag", lambda storage: "cuda:0")
        save_checkpoint(tmp_path / "c.pt", model, optimizer, epoch=2)
    other, other_optimizer, _, _ = setup(torch.device("cpu"), seed=5)
    assert load_checkpoint(tmp_path / "c.pt", other, other_optimizer) == 2
    for loaded, saved in zip(other.parameters(), model.parameters(), strict=True):
        assert torch.equal(loaded, saved)


def snapshot(*objects) -> list[torch.Tensor]:
    """Copies of every tensor of the models' and optimisers' state_dicts, and of the global RNG state."""
    tensors = [torch.get_rng_state()]
    for thing in objects:
        state = thing.state_dict()
        values = state.values() if "state" not in state else [s for p in state["state"].values() for s in p.values()]
        for value in values:
            tensors.append(value.clone() if isinstance(value, torch.Tensor) else torch.tensor(float(value)))
        if "param_groups" in state:
            tensors.append(torch.tensor([float(g["lr"]) for g in state["param_groups"]]))
    return tensors


def assert_unchanged(before: list[torch.Tensor], *objects) -> None:
    after = snapshot(*objects)
    assert len(after) == len(before)
    for old, new in zip(before, after, strict=True):
        assert torch.equal(old, new)


def trained(device: torch.device, seed: int, tmp_path: Path, name: str):
    """A model and its Adam optimiser after one epoch, saved to ``tmp_path / name``."""
    model, optimizer, batches, generator = setup(device, seed)
    fit(model, cross_entropy, optimizer, batches, epochs=1)
    save_checkpoint(tmp_path / name, model, optimizer, epoch=1, generator=generator)
    return model, optimizer


@pytest.mark.parametrize(
    "other",
    [
        lambda: nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2)),  # the first layer fits, the last not
        lambda: nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)),  # only the last layer's shapes differ
        lambda: nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2), nn.ReLU(), nn.Linear(2, 2)),  # a key more
        lambda: nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2, bias=False)),  # a key less
    ],
)
def test_a_different_architecture_changes_nothing(other, device: torch.device, tmp_path: Path) -> None:
    """The refusal comes before any parameter, optimiser state or RNG is touched: every tensor compared."""
    trained(device, 0, tmp_path, "c.pt")
    model = other().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model(torch.ones(3, 5, device=device)).sum().backward()
    optimizer.step()  # optimiser state of its own
    torch.manual_seed(123)
    before = snapshot(model, optimizer)
    with pytest.raises(RuntimeError, match=r"the model in .*c.pt is not Sequential's architecture: "):
        load_checkpoint(tmp_path / "c.pt", model, optimizer)
    assert_unchanged(before, model, optimizer)


def test_the_architecture_error_names_each_difference(tmp_path: Path) -> None:
    trained(torch.device("cpu"), 0, tmp_path, "c.pt")
    with pytest.raises(RuntimeError) as error:
        load_checkpoint(tmp_path / "c.pt", nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2, bias=False)))
    assert str(error.value).endswith("unexpected key '2.bias'")
    with pytest.raises(RuntimeError) as error:
        load_checkpoint(tmp_path / "c.pt", nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2)))
    assert "size mismatch for 0.weight: (8, 5) in the checkpoint, (4, 5) in the model" in str(error.value)
    assert "size mismatch for 2.weight: (2, 8) in the checkpoint, (2, 4) in the model" in str(error.value)


@pytest.mark.parametrize("count", [5, 6])
def test_the_architecture_error_shows_five_differences_and_counts_the_rest(count: int, tmp_path: Path) -> None:
    """``count`` layers whose weights are (1, 1) in the checkpoint and (1, 2) in the model: five are named, and
    then how many more there are."""
    saved = nn.Sequential(*(nn.Linear(1, 1, bias=False) for _ in range(count)))
    save_checkpoint(tmp_path / "c.pt", saved, torch.optim.SGD(saved.parameters(), lr=0.1), epoch=0)
    shown = "; ".join(f"size mismatch for {i}.weight: (1, 1) in the checkpoint, (1, 2) in the model" for i in range(5))
    rest = {5: "", 6: "; and 1 more"}[count]
    named = r"^load_checkpoint: the model in .*c\.pt is not Sequential's architecture: " + re.escape(shown + rest) + "$"
    with pytest.raises(RuntimeError, match=named):
        load_checkpoint(tmp_path / "c.pt", nn.Sequential(*(nn.Linear(2, 1, bias=False) for _ in range(count))))


class Counted(nn.Linear):
    """A layer with extra state that is not a tensor (``get_extra_state``), as a state_dict may hold."""

    def __init__(self) -> None:
        super().__init__(2, 1)
        self.calls = 0

    def get_extra_state(self) -> dict[str, int]:
        return {"calls": self.calls}

    def set_extra_state(self, state: dict[str, int]) -> None:
        self.calls = state["calls"]


def test_a_models_extra_state_that_is_not_a_tensor_round_trips(tmp_path: Path) -> None:
    model = Counted()
    model.calls = 3
    save_checkpoint(tmp_path / "c.pt", model, torch.optim.SGD(model.parameters(), lr=0.1), epoch=1)
    other = Counted()
    assert load_checkpoint(tmp_path / "c.pt", other) == 1
    assert other.calls == 3
    assert torch.equal(other.weight, model.weight)


def test_no_generator_state_changes_nothing(tmp_path: Path) -> None:
    model, optimizer, _, _ = setup(torch.device("cpu"))
    save_checkpoint(tmp_path / "c.pt", model, optimizer, epoch=0)
    other, other_optimizer = trained(torch.device("cpu"), 3, tmp_path, "other.pt")
    before = snapshot(other, other_optimizer)
    with pytest.raises(ValueError, match="holds no generator state"):
        load_checkpoint(tmp_path / "c.pt", other, other_optimizer, generator=torch.Generator())
    assert_unchanged(before, other, other_optimizer)


def test_sgd_state_into_adam_is_refused_at_load_time(device: torch.device, tmp_path: Path) -> None:
    """Not later, inside step(): the settings are SGD's (momentum, dampening), Adam's (betas, eps) are missing."""
    model, _, batches, _ = setup(device)
    sgd = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    fit(model, cross_entropy, sgd, batches, epochs=1)
    save_checkpoint(tmp_path / "sgd.pt", model, sgd, epoch=1)
    fresh, adam, _, _ = setup(device, seed=4)
    fit(fresh, cross_entropy, adam, batches, epochs=1)
    before = snapshot(fresh, adam)
    refused = (
        r"^load_checkpoint: the optimiser state in .*sgd\.pt is another kind of optimiser's: it has settings \[.*\] "
        r"that Adam lacks, and lacks Adam's \[.*\]; build the optimiser that was saved, or pass optimizer=None to "
        r"load the model only$"
    )
    with pytest.raises(ValueError, match=refused) as error:
        load_checkpoint(tmp_path / "sgd.pt", fresh, adam)
    message = str(error.value)
    for named in ("'momentum'", "'betas'", "Adam", "optimizer=None"):
        assert named in message
    assert_unchanged(before, fresh, adam)
    assert load_checkpoint(tmp_path / "sgd.pt", fresh) == 1  # the model alone loads


def test_other_parameter_groups_are_refused(tmp_path: Path) -> None:
    model, optimizer, _, _ = setup(torch.device("cpu"))
    save_checkpoint(tmp_path / "c.pt", model, optimizer, epoch=0)
    split = torch.optim.Adam([{"params": model[0].parameters()}, {"params": model[2].parameters()}], lr=0.01)
    with pytest.raises(ValueError, match=r"parameter groups of sizes \[4\], but Adam has \[2, 2\]"):
        load_checkpoint(tmp_path / "c.pt", model, split)


def edited(path: Path, **entries: object) -> Path:
    """The checkpoint at ``path`` with ``entries`` replaced, as a file edited or written by other code may be."""
    state = torch.load(path, weights_only=True)
    torch.save(state | entries, path)
    return path


def test_an_optimiser_state_that_is_not_a_dict_is_named(tmp_path: Path) -> None:
    model, optimizer, _, _ = setup(torch.device("cpu"))
    save_checkpoint(tmp_path / "c.pt", model, optimizer, epoch=0)
    path = edited(tmp_path / "c.pt", optimizer=[1, 2])
    refused = rf"^load_checkpoint: the optimiser state in {re.escape(str(path))} is a list, not a dict$"
    with pytest.raises(ValueError, match=refused):
        load_checkpoint(path, model, optimizer)


@pytest.mark.parametrize("entries", [{"param_groups": []}, {"state": {}, "param_groups": {}}], ids=["no state", "dict"])
def test_a_torch_optimiser_state_needs_state_and_a_list_of_groups(entries: dict, tmp_path: Path) -> None:
    model, optimizer, _, _ = setup(torch.device("cpu"))
    save_checkpoint(tmp_path / "c.pt", model, optimizer, epoch=0)
    path = edited(tmp_path / "c.pt", optimizer=entries)
    held = re.escape(str(sorted(entries)))
    refused = rf"^load_checkpoint: the optimiser state in .*c\.pt has entries {held}, not a torch\.optim state "
    with pytest.raises(ValueError, match=refused):
        load_checkpoint(path, model, optimizer)


def test_an_optimiser_state_without_parameter_groups_is_refused(tmp_path: Path) -> None:
    model, optimizer, _, _ = setup(torch.device("cpu"))
    save_checkpoint(tmp_path / "c.pt", model, optimizer, epoch=0)
    path = edited(tmp_path / "c.pt", optimizer={"state": {}, "param_groups": []})
    before = snapshot(model, optimizer)
    with pytest.raises(ValueError, match=r"^load_checkpoint: the optimiser state in .*c\.pt is another kind of "):
        load_checkpoint(path, model, optimizer)
    assert_unchanged(before, model, optimizer)


def test_optimiser_state_saved_for_other_parameters_is_refused(tmp_path: Path) -> None:
    """The same model and group sizes, but the optimiser is built over the parameters in another order: the
    biases (8,) and (2,) swap places, so the saved moments do not fit; load_state_dict alone would load them."""
    model, optimizer, batches, _ = setup(torch.device("cpu"))
    fit(model, cross_entropy, optimizer, batches, epochs=1)
    save_checkpoint(tmp_path / "c.pt", model, optimizer, epoch=1)
    swapped = torch.optim.Adam([model[0].weight, model[2].bias, model[2].weight, model[0].bias], lr=0.01)
    fit(model, cross_entropy, swapped, batches, epochs=1)
    before = snapshot(model, swapped)
    path = re.escape(str(tmp_path / "c.pt"))
    refused = (
        rf"^load_checkpoint: the optimiser state in {path} has exp_avg of shape \(8,\) for a parameter of shape "
        r"\(2,\): it was saved for other parameters$"
    )
    with pytest.raises(ValueError, match=refused):
        load_checkpoint(tmp_path / "c.pt", model, swapped)
    assert_unchanged(before, model, swapped)


def test_dlref_sgd_and_torch_state_do_not_mix(tmp_path: Path) -> None:
    from dlref.train.optim import SGD

    model, optimizer, _, _ = setup(torch.device("cpu"))
    save_checkpoint(tmp_path / "adam.pt", model, optimizer, epoch=0)
    with pytest.raises(ValueError, match=r"has entries \['param_groups', 'state'\], but SGD's has \['lr'\]"):
        load_checkpoint(tmp_path / "adam.pt", model, SGD(model.parameters(), lr=0.1))
    save_checkpoint(tmp_path / "sgd.pt", model, SGD(model.parameters(), lr=0.1), epoch=0)
    with pytest.raises(ValueError, match=r"has entries \['lr'\], not a torch.optim state"):
        load_checkpoint(tmp_path / "sgd.pt", model, optimizer)


def test_a_plain_state_dict_says_how_to_load_it(tmp_path: Path) -> None:
    model = nn.Linear(2, 1)
    path = tmp_path / "weights.pt"
    torch.save(model.state_dict(), path)
    message = (
        f"load_checkpoint: {path} holds a plain state_dict (2 tensors: 'weight', 'bias'), not a checkpoint of "
        "save_checkpoint: load it with model.load_state_dict(torch.load(path, weights_only=True))"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        load_checkpoint(path, model)
    path = tmp_path / "optimizer.pt"
    torch.save(torch.optim.SGD(model.parameters(), lr=0.1).state_dict(), path)
    message = (
        f"load_checkpoint: {path} holds an optimiser's state_dict, not a checkpoint of save_checkpoint: "
        "load it with optimizer.load_state_dict(torch.load(path, weights_only=True))"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        load_checkpoint(path, model)


@pytest.mark.parametrize(
    ("count", "names"),
    [(1, "'a'"), (3, "'a', 'b', 'c'"), (4, "'a', 'b', 'c', ..."), (5, "'a', 'b', 'c', ...")],
)
def test_a_plain_state_dict_is_named_by_its_first_three_keys(count: int, names: str, tmp_path: Path) -> None:
    torch.save({key: torch.zeros(1) for key in "abcde"[:count]}, tmp_path / "weights.pt")
    named = rf"^load_checkpoint: .*weights\.pt holds a plain state_dict \({count} tensors: {re.escape(names)}\), not a "
    with pytest.raises(ValueError, match=named):
        load_checkpoint(tmp_path / "weights.pt", nn.Linear(2, 1))


@pytest.mark.parametrize(
    ("content", "error", "match"),
    [
        (b"", ValueError, r"bad.pt is empty \(0 bytes\): the save did not finish; save it again"),
        (b"not a checkpoint", ValueError, r"cannot read .*bad.pt as a checkpoint: "),
        (None, ValueError, r"bad.pt holds a dict with keys \['epoch', 'model'\], not a .*lacks \['optimizer'"),
        ("list", ValueError, r"bad.pt holds list, not a checkpoint of save_checkpoint"),
    ],
)
def test_files_that_are_not_checkpoints_are_named(content, error: type, match: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.pt"
    if content is None:
        torch.save({"model": nn.Linear(2, 1).state_dict(), "epoch": 1}, path)
    elif content == "list":
        torch.save([1, 2], path)
    else:
        path.write_bytes(content)
    model = nn.Linear(2, 1)
    before = snapshot(model)
    with pytest.raises(error, match=match):
        load_checkpoint(path, model)
    assert_unchanged(before, model)
    with pytest.raises(FileNotFoundError, match=r"no checkpoint file at .*missing\.pt"):
        load_checkpoint(tmp_path / "missing.pt", model)


def test_a_truncated_checkpoint_is_named(tmp_path: Path) -> None:
    model, optimizer, _, _ = setup(torch.device("cpu"))
    save_checkpoint(tmp_path / "c.pt", model, optimizer, epoch=0)
    data = (tmp_path / "c.pt").read_bytes()
    (tmp_path / "c.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"cannot read .*c.pt as a checkpoint"):
        load_checkpoint(tmp_path / "c.pt", model, optimizer)
