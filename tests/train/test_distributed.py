"""Two CPU processes under DDP end with identical parameters, equal to one process on the combined batches."""

from __future__ import annotations

import torch

from dlref.train.distributed import run_ddp, run_single


def test_two_ranks_match_one_process_on_the_combined_batch() -> None:
    ranks = run_ddp(world_size=2, epochs=2, batch_size=32)
    single = run_single(world_size=2, epochs=2, batch_size=32)
    assert sorted(ranks[0]) == sorted(single)
    for name, tensor in single.items():
        assert torch.equal(ranks[0][name], ranks[1][name]), name  # the ranks agree exactly
        torch.testing.assert_close(ranks[0][name], tensor, rtol=1e-5, atol=1e-6)  # all-reduce sums in another order
    initial = run_single(world_size=2, epochs=1, batch_size=32)
    assert not torch.allclose(initial["0.weight"], single["0.weight"])  # training moved the weights
