"""Data: preprocessing tables with pandas into tensors, and the data sets and loaders built on them."""
