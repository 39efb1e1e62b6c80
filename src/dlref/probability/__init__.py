"""Probability and statistics: sampling frequencies, Bayes' rule, moments, the normal distribution, and
the information theory behind the cross-entropy loss."""
