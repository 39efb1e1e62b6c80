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
#
# The running example is a small MLP on scikit-learn's bundled digits, trained with Adam.

# %%
import pickle
import random
import tempfile
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
digits = load_digits()
X_train = torch.tensor(digits.data / 16, dtype=torch.float32).to(device)  # pixels 0..16 scaled to 0..1
y_train = torch.tensor(digits.target).to(device)
scratch = tempfile.TemporaryDirectory()  # removed, with the files saved in it, at the end of the page
workdir = Path(scratch.name)


def seed_everything(seed):
    """Seed every generator a training run draws from: Python's, NumPy's and torch's (CPU and GPUs)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_run(seed):
    """A fresh model, optimiser and data loader; the loader shuffles with its own seeded generator."""
    seed_everything(seed)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X_train, y_train), batch_size=64, shuffle=True, generator=generator
    )
    return model, optimizer, generator, loader


def train(model, optimizer, loader, num_epochs):
    """The usual loop; returns the mean training loss of each epoch."""
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _epoch in range(num_epochs):
        model.train()
        total = torch.zeros((), device=device)  # summed on the device: no host sync per step
        for X, y in loader:
            loss = loss_fn(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(y)
        losses.append(total.item() / len(loader.dataset))
    return losses


# %% [markdown]
# ## What a checkpoint holds
#
# A model's `state_dict` maps each parameter and buffer name to a tensor. An optimiser's holds
# its hyperparameters and its per-parameter state: for Adam, the running moments and the step
# count, without which a resumed run would restart with cold moments and take different steps.
# A checkpoint is a dictionary of both, the epoch, and the state of the generator that shuffles
# the batches, written with `torch.save`:

# %%
model, optimizer, generator, loader = make_run(0)
train(model, optimizer, loader, num_epochs=1)
print({name: tuple(t.shape) for name, t in model.state_dict().items()})
print(sorted(optimizer.state_dict()["state"][0]))
torch.save(
    {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": 1,
        "generator": generator.get_state(),
    },
    workdir / "epoch1.pt",
)
sorted(torch.load(workdir / "epoch1.pt", weights_only=True))

# %% [markdown]
# ## Why `weights_only=True`
#
# `torch.save(model)` pickles the model object, and unpickling can run arbitrary code named in the
# file: loading a pickled model from someone else is running their program. A `state_dict` holds
# only tensors, numbers, strings and containers, and `torch.load(..., weights_only=True)` (the
# default since torch 2.6) refuses everything else. The refusal is checked: if `torch.load`
# accepted the file, the `else` branch would fail the page.

# %%
torch.save(model, workdir / "pickled-model.pt")
try:
    torch.load(workdir / "pickled-model.pt", weights_only=True)
except pickle.UnpicklingError as error:
    print(f"{type(error).__name__}: {str(error).split('.')[0]}")
else:
    raise AssertionError("torch.load(weights_only=True) loaded a pickled nn.Module")

# %% [markdown]
# ## Resuming is exact
#
# Train 4 epochs straight; separately, train 2, save, load into a *fresh* model and optimiser
# (initialised from another seed, to show that nothing leaks through), and train 2 more. Loading
# is `model.load_state_dict(...)`, `optimizer.load_state_dict(...)` and `generator.set_state(...)`;
# `map_location` puts the tensors on this page's device, wherever the file was saved. On the CPU
# the losses and the final parameters are identical, bit for bit. (On a GPU some kernels add in a
# varying order, so expect agreement to rounding unless `torch.use_deterministic_algorithms(True)`
# is set.)

# %%
model_a, optimizer_a, _, loader_a = make_run(0)
straight = train(model_a, optimizer_a, loader_a, num_epochs=4)

model_b, optimizer_b, generator_b, loader_b = make_run(0)
first_half = train(model_b, optimizer_b, loader_b, num_epochs=2)
checkpoint = {
    "model": model_b.state_dict(),
    "optimizer": optimizer_b.state_dict(),
    "epoch": 2,
    "generator": generator_b.get_state(),
}
torch.save(checkpoint, workdir / "epoch2.pt")

model_c, optimizer_c, generator_c, loader_c = make_run(123)
checkpoint = torch.load(workdir / "epoch2.pt", map_location=device, weights_only=True)
model_c.load_state_dict(checkpoint["model"])
optimizer_c.load_state_dict(checkpoint["optimizer"])
generator_c.set_state(checkpoint["generator"].cpu())  # a CPU generator takes a CPU state
second_half = train(model_c, optimizer_c, loader_c, num_epochs=2)

resumed = first_half + second_half
print("straight:", [f"{v:.6f}" for v in straight])
print("resumed: ", [f"{v:.6f}" for v in resumed], f"(resumed after epoch {checkpoint['epoch']})")
same = all(torch.equal(p, q) for p, q in zip(model_a.parameters(), model_c.parameters(), strict=True))
print("parameters bit-identical:", same)

# %% [markdown]
# ## Seeding
#
# `seed_everything` above seeds Python's `random`, NumPy's global generator and torch's
# (`torch.manual_seed` seeds the CPU generator and every GPU's). Two runs from the same seed give
# the same losses; another seed gives others.


# %%
def run(seed):
    model, optimizer, _generator, loader = make_run(seed)
    return train(model, optimizer, loader, num_epochs=2)


run1, run2, run3 = run(7), run(7), run(8)
print("seed 7:", run1, "\nseed 7:", run2, "\nseed 8:", run3)

# %% [markdown]
# ## Choosing a device
#
# `device = "cuda" if torch.cuda.is_available() else "cpu"` picks the GPU when torch sees one. The
# model is moved once, with `model.to(device)`; the data either live there from the start (as here)
# or are moved batch by batch inside the loop, with `X.to(device)`. `torch.load(...,
# map_location=device)` puts a checkpoint's tensors on this machine's device, so a file saved on a
# GPU loads on a laptop. Random numbers that should be the same on every device are drawn on the
# CPU generator (the loader's `generator` above is a CPU one) and moved.

# %%
# the same text on every device, so this page's stored outputs hold on a GPU too
print("model on this page's device:", next(model_c.parameters()).device.type == device)
print("data on this page's device:", X_train.device.type == device)

# %% [markdown]
# ## The result

# %%
if device == "cpu":  # bit for bit
    assert resumed == straight, (resumed, straight)
    assert same, "resumed parameters differ from the straight run"
    assert run1 == run2, (run1, run2)
else:  # to rounding: GPU kernels may add in another order
    assert torch.allclose(torch.tensor(resumed), torch.tensor(straight), rtol=1e-5)
    assert torch.allclose(torch.tensor(run1), torch.tensor(run2), rtol=1e-5)
assert run1 != run3
print("resume exact, seeded runs identical")
scratch.cleanup()  # the checkpoints written above

# %% [markdown]
# ## Exercises
#
# **1.** How many numbers does Adam keep for this model, besides the model's own parameters?
# Count them by hand, then in `optimizer_c.state_dict()`.

# %% tags=["solution"]
# Adam keeps two running moments (exp_avg, exp_avg_sq) of each parameter's shape, and one step
# count per parameter tensor: 2 x 2410 numbers plus 4 counts.
num_params = sum(p.numel() for p in model_c.parameters())
state = optimizer_c.state_dict()["state"]
moments = sum(s["exp_avg"].numel() + s["exp_avg_sq"].numel() for s in state.values())
assert num_params == 64 * 32 + 32 + 32 * 10 + 10 == 2410
assert moments == 2 * num_params, moments
assert len(state) == 4, len(state)
print(f"parameters {num_params}, Adam's moments {moments}, step counts {len(state)}")

# %% [markdown]
# **2.** Resume from the epoch-2 checkpoint, but load only the model's `state_dict` into a fresh
# model and a *fresh* Adam. Do epochs 3 and 4 give the straight run's losses?

# %% tags=["solution"]
# No: the fresh Adam starts with zero moments and step count 0, so its first steps (with bias
# correction) are not the steps the straight run took.
model_d, optimizer_d, generator_d, loader_d = make_run(123)
model_d.load_state_dict(checkpoint["model"])
generator_d.set_state(checkpoint["generator"].cpu())
cold = train(model_d, optimizer_d, loader_d, num_epochs=2)
assert all(abs(a - b) > 1e-6 for a, b in zip(cold, straight[2:], strict=True)), (cold, straight[2:])
print("straight epochs 3-4:", [f"{v:.6f}" for v in straight[2:]])
print("cold Adam:          ", [f"{v:.6f}" for v in cold])
