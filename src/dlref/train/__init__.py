"""Training: the loop (`fit`), a from-scratch optimiser, checkpoints, seeding, distributed data parallel."""
