"""Linear algebra: reductions (sum, mean, cumsum), products (dot, mv, mm, matmul) and norms."""
