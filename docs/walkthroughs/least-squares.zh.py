# ---
# jupyter:
#   translated_from: 35f708c0af9d39ca
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 最小二乘法的三种解法 <a id="least-squares-three-ways"></a>
#
# 用最小二乘法把一条直线 $y \approx w x + b$
# 拟合到带噪声的点上：分别用正规方程、库函数的求解器和梯度下降三种方法求解，并检查它们的结果一致：
#
# 1. 直接求解**正规方程**（normal equations）$X^\top X \theta = X^\top y$；
# 2. **`torch.linalg.lstsq`**，它使用 QR 类型的分解，从不构造 $X^\top X$；
# 3. 对均方误差做**梯度下降**（gradient descent），梯度由自动微分求得。
#
# 数据就地生成（不下载任何东西）：直线 $y = 2x - 1$ 上的 100 个点，加上标准差为 0.3 的高斯噪声。
# 随机数在 CPU 上生成后再移到设备上，所以 GPU 上显示的数相同。

# %%
import matplotlib.pyplot as plt
import torch

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)
n, w_true, b_true = 100, 2.0, -1.0
x = torch.linspace(-2, 2, n)
y = w_true * x + b_true + 0.3 * torch.randn(n)
x, y = x.to(device), y.to(device)
# The design matrix: one row (x_i, 1) per point, so that X @ (w, b) = w * x + b.
X = torch.stack([x, torch.ones_like(x)], dim=1)
X.shape, y.shape

# %% [markdown]
# ## 1. 正规方程 <a id="1-the-normal-equations"></a>
#
# 令 $\frac{1}{n}\lVert X\theta - y\rVert^2$ 的梯度为零，得到 $X^\top X \theta = X^\top y$，这里是一个 2×2 的方程组。

# %%
theta_normal = torch.linalg.solve(X.T @ X, X.T @ y)
theta_normal

# %% [markdown]
# ## 2. 库函数求解器 lstsq <a id="2-the-library-solver-lstsq"></a>
#
# `torch.linalg.lstsq` 求出同一个最小值点，但不会把 $X$ 的条件数平方。注意这里的列向量：`lstsq`
# 求解的是 $XA = B$，其中 $B$ 是一个矩阵。

# %%
solution = torch.linalg.lstsq(X.cpu(), y.cpu().unsqueeze(1)).solution
theta_lstsq = solution.squeeze(1).to(device)
theta_lstsq

# %% [markdown]
# 这里的 `lstsq` 在 CPU 上运行：在 CUDA 上它只支持 `gels` 驱动，要求 $X$ 满秩且条件良好；这里的 $X$
# 两者都满足，但 CPU 上的默认驱动（`gelsy`）才是读者在任何地方都能用上的。
#
# ## 3. 用自动微分做梯度下降 <a id="3-gradient-descent-with-autograd"></a>
#
# 从 $\theta = 0$ 出发，沿均方误差梯度的反方向一步步前进。这个问题的损失是一个二次的“碗”，所以固定的学习率
# 0.1 就能收敛。损失值保存为张量，等循环结束后一次性复制到主机：如果每一步都调用 `.item()`，GPU 就要等
# CPU 200 次。

# %%
theta = torch.zeros(2, device=device, requires_grad=True)
losses = []
for _step in range(200):
    loss = ((X @ theta - y) ** 2).mean()
    losses.append(loss.detach())
    loss.backward()
    with torch.no_grad():
        theta -= 0.1 * theta.grad
    theta.grad.zero_()
theta_gd = theta.detach()
losses = torch.stack(losses).cpu()
theta_gd, losses[0], losses[-1]

# %% [markdown]
# ## 三者一致 <a id="they-agree"></a>
#
# 三个估计值彼此相差不超过 $10^{-4}$，并且在噪声的范围内还原了真实的直线。
# 每次构建网站和每次运行测试时，都会检查这些 `assert`。

# %%
assert torch.allclose(theta_normal, theta_lstsq, atol=1e-4), (theta_normal, theta_lstsq)
assert torch.allclose(theta_normal, theta_gd, atol=1e-4), (theta_normal, theta_gd)
w, b = theta_normal.tolist()
assert abs(w - w_true) < 0.1, w
assert abs(b - b_true) < 0.1, b
print(f"w = {w:.3f}, b = {b:.3f}")

# %% [markdown]
# ## 图示 <a id="the-picture"></a>
#
# 左图：数据点和拟合出的直线。右图：梯度下降的损失比最小二乘的最小值高出多少，纵轴取对数，横轴是线性的步数。
# 图中这个差距沿一条近乎笔直的线下降，直到降至 float32 的舍入误差：每一步把它乘以 0.5 到 0.7
# 之间的一个数（下面对前 30 步做了检查），这正是几何收敛的含义。

# %% alt="左：数据和最小二乘直线。右：每一步的损失减去其最小值"
loss_min = ((X @ theta_normal - y) ** 2).mean().cpu()
gap = (losses - loss_min).clamp_min(1e-10)
ratios = gap[1:31] / gap[:30]
assert ((ratios > 0.5) & (ratios < 0.7)).all(), ratios
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
left.scatter(x.cpu().numpy(), y.cpu().numpy(), s=8, alpha=0.6, label="data")
grid = torch.linspace(-2, 2, 2)
left.plot(grid, w * grid + b, color="C1", label="least squares")
left.set(xlabel="x", ylabel="y", title="fit")
left.legend()
right.semilogy(gap)
right.set(xlabel="step", ylabel="loss - minimum", title="gradient descent")
fig.tight_layout()

# %% [markdown]
# ## 练习 <a id="exercises"></a>
#
# **1.** 均方误差的 Hessian 矩阵为 $H = \frac{2}{n} X^\top X$，步长为 $\eta$ 的梯度下降只有在
# $\eta < 2 / \lambda_{\max}(H)$ 时才收敛。算出这个上限，并分别用略低于和略高于它的步长运行梯度下降。

# %% tags=["solution"]
# Along the eigenvector of the largest eigenvalue, each step multiplies the error by
# 1 - lr * lambda_max: below the limit its size shrinks, above it the size grows every step.
H = 2 * X.T @ X / n
limit = 2 / torch.linalg.eigvalsh(H).max().item()


def descend(lr, steps=200):
    theta = torch.zeros(2, device=device, requires_grad=True)
    for _step in range(steps):
        loss = ((X @ theta - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            theta -= lr * theta.grad
        theta.grad.zero_()
    return ((X @ theta - y) ** 2).mean().item()


below, above = descend(0.95 * limit), descend(1.05 * limit)
assert abs(below - loss_min.item()) < 1e-4, below
assert not above < 1e3, above  # diverged (or overflowed to inf)
print(f"limit {limit:.3f}: loss after 200 steps {below:.4f} at 0.95 x limit, {above:.3g} at 1.05 x limit")

# %% [markdown]
# **2.** 去掉全为 1 的那一列（拟合 $y \approx w x$，没有截距）。预测拟合出的 $w$ 是否改变，然后验证。
# 如果这些点在 $[0, 4]$ 而不是 $[-2, 2]$ 上，它会改变吗？

# %% tags=["solution"]
# Here the x values are symmetric about 0, so sum(x_i) = 0: the two columns of X are orthogonal,
# and the normal equations decouple into w = x.y / x.x and b = mean(y). On [0, 4] the columns
# are not orthogonal, and without b the slope has to absorb the offset.
w_alone = (x @ y / (x @ x)).item()
assert abs(w_alone - w) < 1e-5, (w_alone, w)
x_shifted = x + 2
y_shifted = w_true * x_shifted + b_true + (y - w_true * x - b_true)  # the same noise
w_shifted_alone = (x_shifted @ y_shifted / (x_shifted @ x_shifted)).item()
assert abs(w_shifted_alone - w) > 0.1, (w_shifted_alone, w)
print(f"w with intercept {w:.4f}, without {w_alone:.4f}; on [0, 4] without intercept {w_shifted_alone:.4f}")
