"""Autograd: a minimal reverse-mode automatic differentiation engine over tensors (`dlref.autograd.engine`)."""
