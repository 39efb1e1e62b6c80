"""Probability and statistics: sampling frequencies, Bayes' rule, moments, the normal distribution."""
