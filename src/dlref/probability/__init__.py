"""Probability: distributions, sampling, and the information theory behind the cross-entropy loss."""
