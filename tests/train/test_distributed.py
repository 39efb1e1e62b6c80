"""Two CPU processes under DDP end with identical parameters, equal to one process on the combined batches."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler

from dlref.train.distributed import _setup, _worker, main, run_ddp, run_single, train_rank
from dlref.train.loop import fit
from dlref.train.optim import SGD


def test_two_ranks_match_one_process_on_the_combined_batch() -> None:
    ranks = run_ddp()  # the defaults: 2 ranks, 2 epochs, 32 examples per rank per step
    single = run_single()
    assert len(ranks) == 2
    assert single["0.weight"].shape == (32, 64)  # the MLP 64-32-10 of the digits
    assert single["2.weight"].shape == (10, 32)
    assert sorted(ranks[0]) == sorted(single)
    for name, tensor in single.items():
        assert torch.equal(ranks[0][name], ranks[1][name]), name  # the ranks agree exactly
        torch.testing.assert_close(ranks[0][name], tensor, rtol=1e-5, atol=1e-6)  # all-reduce sums in another order
    initial = run_single(world_size=2, epochs=1, batch_size=32)
    assert not torch.allclose(initial["0.weight"], single["0.weight"])  # training moved the weights


# The tests above run the ranks in child processes. Those below run one rank (world size 1) in this
# process, so that what each function does is checked where a test can see it: with one rank DDP's
# all-reduce averages over one gradient, and training equals one process on the same batches.


def _one_rank_group(tmp_path: Path, backend: str = "gloo") -> None:
    dist.init_process_group(backend, init_method=f"file://{tmp_path / 'rendezvous'}", rank=0, world_size=1)


def test_one_rank_trains_as_one_process_with_the_default_learning_rate_and_seed(tmp_path: Path) -> None:
    _one_rank_group(tmp_path)
    try:
        model, history = train_rank(0, 1)  # the defaults: 2 epochs, 32 examples per step
    finally:
        dist.destroy_process_group()
    single = run_single(world_size=1, epochs=2, batch_size=32)  # lr 0.1, seed SEED: the documented defaults
    assert sorted(model.state_dict()) == sorted(single)
    for name, tensor in single.items():
        torch.testing.assert_close(model.state_dict()[name], tensor, rtol=1e-6, atol=1e-7)
    assert len(history.loss) == 2
    assert history.loss[1] < history.loss[0]


def test_the_sampler_shuffles_and_changes_order_with_the_seed(tmp_path: Path) -> None:
    _one_rank_group(tmp_path)
    try:
        seeded = [train_rank(0, 1, epochs=1, batch_size=32, seed=s)[0].state_dict() for s in (0, 0, 1)]
    finally:
        dist.destroy_process_group()
    assert all(torch.equal(seeded[0][name], seeded[1][name]) for name in seeded[0])  # reproducible
    assert not torch.equal(seeded[0]["0.weight"], seeded[2]["0.weight"])


def test_the_seed_decides_the_initial_weights_and_the_samplers_order(tmp_path: Path) -> None:
    """seed=1: the weights _setup(1) draws, trained in the order of a sampler seeded with 1."""
    _one_rank_group(tmp_path)
    try:
        model = train_rank(0, 1, epochs=1, batch_size=32, seed=1)[0]
    finally:
        dist.destroy_process_group()
    dataset, expected = _setup(1)
    sampler = DistributedSampler(dataset, num_replicas=1, rank=0, shuffle=True, seed=1)
    loader = DataLoader(dataset, batch_size=32, sampler=sampler)
    fit(expected, nn.CrossEntropyLoss(), SGD(expected.parameters(), lr=0.1), loader, epochs=1)
    for name, tensor in expected.state_dict().items():
        torch.testing.assert_close(model.state_dict()[name], tensor, rtol=1e-6, atol=1e-7)


def test_the_worker_saves_its_rank_weights_and_losses_and_leaves_no_process_group(tmp_path: Path) -> None:
    threads = torch.get_num_threads()
    try:
        _worker(0, 1, str(tmp_path / "rendezvous"), str(tmp_path), 1, 16)
    finally:
        torch.set_num_threads(threads)  # the worker takes one thread: it shares the machine with its ranks
    saved = torch.load(tmp_path / "rank0.pt", weights_only=True)
    assert not dist.is_initialized()
    assert sorted(saved) == ["loss", "model"]
    assert len(saved["loss"]) == 1
    single = run_single(world_size=1, epochs=1, batch_size=16)
    for name, tensor in single.items():
        torch.testing.assert_close(saved["model"][name], tensor, rtol=1e-6, atol=1e-7)


def test_main_as_torchrun_starts_it_reports_the_losses_and_that_the_ranks_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = "nccl" if torch.cuda.is_available() else "gloo"  # as main chooses
    _one_rank_group(tmp_path, backend)
    try:
        _, history = train_rank(0, 1)  # what main trains, with the same defaults
    finally:
        dist.destroy_process_group()
    with socket.socket() as free:  # torchrun's environment for one rank on this machine
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    for name, value in {"RANK": "0", "WORLD_SIZE": "1", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}.items():
        monkeypatch.setenv(name, value)
    main()
    assert not dist.is_initialized()
    losses = [round(v, 4) for v in history.loss]
    assert capsys.readouterr().out.splitlines() == [
        f"1 ranks ({backend}); rank 0 loss per epoch {losses}",
        "every rank ends with the same parameters: True",
    ]
