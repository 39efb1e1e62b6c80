"""Tensors: creation, attributes, operators, indexing, reshaping, joining, broadcasting, memory."""
