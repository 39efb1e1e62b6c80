# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Checkpoints, seeds and devices
#
# Three things every training script needs beyond the loop:
#
# 1. **checkpoints**: save the `state_dict` of the model *and* of the optimiser, load them safely,
#    and resume training exactly where it stopped;
# 2. **seeds**: make two runs give the same numbers;
# 3. **devices**: choose where the tensors live, and move the model and the data there.

# %%
import tempfile
from pathlib import Path

import torch

from dlref.data.batching import Batches
from dlref.data.datasets import digits
from dlref.device import default_device
from dlref.models.losses import cross_entropy
from dlref.models.mlp import mlp_sequential
from dlref.train.checkpoint import load_checkpoint, save_checkpoint
from dlref.train.loop import fit
from dlref.train.seed import seed_everything

device = default_device()
data = digits(device)
scratch = tempfile.TemporaryDirectory()  # removed, with the files saved in it, at the end of the page
workdir = Path(scratch.name)


def make_run(seed: int):
    """A fresh model, optimiser and shuffling generator; the data are the same for every run."""
    seed_everything(seed)
    model = mlp_sequential(64, 32, 10).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator(device=device).manual_seed(seed)
    return model, optimizer, generator, Batches(data.X_train, data.y_train, batch_size=64, generator=generator)


# %% [markdown]
# ## What a checkpoint holds
#
# A model's `state_dict` maps each parameter and buffer name to a tensor. An optimiser's holds
# its hyperparameters and its per-parameter state: for Adam, the running moments and the step
# count, without which a resumed run would restart with cold moments and take different steps.
# [`save_checkpoint`](../api/index.md#dlref.train.checkpoint.save_checkpoint) writes both, the
# epoch, and the states of the random generators that shuffle the batches.

# %%
model, optimizer, generator, train = make_run(0)
fit(model, cross_entropy, optimizer, train, epochs=1)
print({name: tuple(t.shape) for name, t in model.state_dict().items()})
print(sorted(optimizer.state_dict()["state"][0]))
save_checkpoint(workdir / "epoch1.pt", model, optimizer, epoch=1, generator=generator)
sorted(torch.load(workdir / "epoch1.pt", weights_only=True))

# %% [markdown]
# ## Why `weights_only=True`
#
# `torch.save(model)` pickles the model object, and unpickling can run arbitrary code named in the
# file: loading a pickled model from someone else is running their program. A `state_dict` holds
# only tensors, numbers, strings and containers, and `torch.load(..., weights_only=True)` (the
# default since torch 2.6, and what `load_checkpoint` passes) refuses everything else:

# %%
torch.save(model, workdir / "pickled-model.pt")
try:
    torch.load(workdir / "pickled-model.pt", weights_only=True)
except Exception as error:  # torch raises UnpicklingError
    print(f"{type(error).__name__}: {str(error).split('.')[0]}")

# %% [markdown]
# ## Resuming is exact
#
# Train 4 epochs straight; separately, train 2, save, load into a *fresh* model and optimiser
# (initialised from another seed, to show that nothing leaks through), and train 2 more. On the
# CPU the losses and the final parameters are identical, bit for bit. (On a GPU some kernels add
# in a varying order, so expect agreement to rounding, unless
# `seed_everything(seed, deterministic=True)` is used.)

# %%
model_a, optimizer_a, _, train_a = make_run(0)
straight = fit(model_a, cross_entropy, optimizer_a, train_a, epochs=4)

model_b, optimizer_b, generator_b, train_b = make_run(0)
first_half = fit(model_b, cross_entropy, optimizer_b, train_b, epochs=2)
save_checkpoint(workdir / "epoch2.pt", model_b, optimizer_b, epoch=2, generator=generator_b)

model_c, optimizer_c, generator_c, train_c = make_run(123)
start = load_checkpoint(workdir / "epoch2.pt", model_c, optimizer_c, generator=generator_c)
second_half = fit(model_c, cross_entropy, optimizer_c, train_c, epochs=2)

resumed_losses = first_half.loss + second_half.loss
print("straight:", [f"{v:.6f}" for v in straight.loss])
print("resumed: ", [f"{v:.6f}" for v in resumed_losses], f"(resumed after epoch {start})")
same = all(torch.equal(p, q) for p, q in zip(model_a.parameters(), model_c.parameters(), strict=True))
print("parameters bit-identical:", same)

# %% [markdown]
# ## Seeding
#
# [`seed_everything`](../api/index.md#dlref.train.seed.seed_everything) seeds Python's `random`,
# NumPy's global generator and torch's generators (CPU and every GPU) in one call. Two runs from the
# same seed give the same history; another seed gives another.

# %%
model, optimizer, _, train = make_run(7)
run1 = fit(model, cross_entropy, optimizer, train, epochs=2)
model, optimizer, _, train = make_run(7)
run2 = fit(model, cross_entropy, optimizer, train, epochs=2)
model, optimizer, _, train = make_run(8)
run3 = fit(model, cross_entropy, optimizer, train, epochs=2)
print("seed 7:", run1.loss, "\nseed 7:", run2.loss, "\nseed 8:", run3.loss)

# %% [markdown]
# ## Choosing a device
#
# `dlref.device.default_device()` returns `$DLREF_DEVICE` if set, else CUDA when torch sees a GPU,
# else the CPU. The model is moved once, with `model.to(device)`; the data either live there from
# the start (as here: the loaders take a device) or are moved batch by batch, which `fit` does with
# `X.to(device, non_blocking=True)`. A checkpoint is loaded onto the CPU first and then copied into
# the model's tensors wherever they are, so a file saved on a GPU loads on a laptop.

# %%
print("this page ran on:", device)
print("model on:", next(model_c.parameters()).device, "| data on:", data.X_train.device)

# %% [markdown]
# ## The result

# %%
if device.type == "cpu":  # bit for bit
    assert resumed_losses == straight.loss, (resumed_losses, straight.loss)
    assert same, "resumed parameters differ from the straight run"
    assert run1.loss == run2.loss, (run1.loss, run2.loss)
else:  # to rounding: GPU kernels may add in another order
    assert torch.allclose(torch.tensor(resumed_losses), torch.tensor(straight.loss), rtol=1e-5)
    assert torch.allclose(torch.tensor(run1.loss), torch.tensor(run2.loss), rtol=1e-5)
assert run1.loss != run3.loss
print("resume exact, seeded runs identical")
scratch.cleanup()  # the checkpoints written above
