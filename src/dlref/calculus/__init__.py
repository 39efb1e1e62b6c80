"""Calculus: derivatives, gradients and the chain rule, matrix-calculus identities checked three ways."""

from dlref.calculus.verify import Check, Verification, verify

__all__ = ["Check", "Verification", "verify"]
