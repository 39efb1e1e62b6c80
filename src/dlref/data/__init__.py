"""Data: preprocessing with pandas, synthetic data, batching, bundled datasets."""
