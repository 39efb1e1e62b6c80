"""dlref: a verified, executable reference for deep-learning fundamentals in PyTorch.

Every operation is implemented from its definition, checked against PyTorch on the CPU or CUDA, and
every output the site shows is produced by running the page.
"""

__version__ = "0.1.0"
