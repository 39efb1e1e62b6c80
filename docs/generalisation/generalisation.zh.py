# ---
# jupyter:
#   translated_from: 7a81f612b2fa2cd7
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
# # 泛化：欠拟合和过拟合 <a id="generalisation"></a>
#
# 模型是通过最小化它的**训练误差**（training error，即它见过的样本上的平均损失）来拟合的，
# 而真正重要的是它的**泛化误差**（generalisation error），即来自同一分布的新样本上的期望损失，
#
# $$
# R_\text{emp}[f] = \frac1n \sum_{i=1}^n \ell\big(f(\mathbf{x}_i), y_i\big), \qquad
# R[f] = E_{(\mathbf{x}, y) \sim P}\left[\ell\big(f(\mathbf{x}), y\big)\right].
# $$
#
# $R[f]$ 无法计算，但留出的样本上的平均损失可以估计它。对数据来说过于简单的模型在两者上误差都高
# （**欠拟合**，underfitting）；灵活到能拟合训练样本中噪声的模型，训练误差低而验证误差高
# （**过拟合**，overfitting）。本页用 d2l 的多项式回归展示这两种情况，画出训练误差和验证误差随阶数
# 增长的变化，并用**K折交叉验证**（K-fold cross-validation）选择阶数。下面的一切都在构建网站时运行，
# 一旦结果改变，其中的 `assert` 就会让构建失败。
#
# ## 数据 <a id="the-data"></a>
#
# d2l 的三次多项式，噪声为 $\epsilon \sim \mathcal N(0, 0.1^2)$：
#
# $$
# y = 5 + 1.2x - 3.4\frac{x^2}{2!} + 5.6\frac{x^3}{3!} + \epsilon, \qquad x \sim \mathcal N(0, 1).
# $$
#
# $d$ 阶模型的特征是幂 $x^0, x^1, \dots, x^d$，真实权重为 $(5, 1.2, -1.7, 0.9\overline{3})$。
# （d2l 把 $x^i$ 除以 $i!$，使高次幂保持较小，便于用梯度下降训练；这里用的精确最小二乘拟合无论哪种方式
# 都得到同一个多项式，见“常见错误”。）训练集 20 个样本，验证集 100 个，测试集 100 个，测试集只在最后用一次。
# 问题规模很小，所以留在 CPU 上，使用 float64。

# %%
import itertools
import math

import matplotlib.pyplot as plt
import torch

torch.manual_seed(0)
max_degree = 15
true_w = torch.tensor([5.0, 1.2, -3.4 / 2, 5.6 / 6], dtype=torch.float64)


def features(x, degree):
    """Columns x^0, x^1, ..., x^degree."""
    return x[:, None] ** torch.arange(degree + 1, dtype=torch.float64)


def make_data(n):
    x = torch.randn(n, dtype=torch.float64)
    y = features(x, 3) @ true_w + 0.1 * torch.randn(n, dtype=torch.float64)
    return x, y


(x_train, y_train), (x_val, y_val), (x_test, y_test) = make_data(20), make_data(100), make_data(100)
x_train.shape, x_val.shape, x_test.shape

# %% [markdown]
# ## 训练误差和验证误差随阶数的变化 <a id="training-and-validation-error-against-the-degree"></a>
#
# 对每个阶数，用最小二乘法（`torch.linalg.lstsq`）精确求出使训练平方误差最小的权重；梯度下降会逼近
# 同样的权重，见[最小二乘法的三种解法](../walkthroughs/least-squares.py)。报告的误差是均方误差。


# %%
def fit(x, y, degree):
    return torch.linalg.lstsq(features(x, degree), y[:, None], driver="gelsd").solution[:, 0]


def mse(w, x, y):
    return ((features(x, len(w) - 1) @ w - y) ** 2).mean().item()


degrees = range(max_degree + 1)
weights = [fit(x_train, y_train, d) for d in degrees]
train_error = [mse(w, x_train, y_train) for w in weights]
val_error = [mse(w, x_val, y_val) for w in weights]
for d in (1, 3, 12):
    print(f"degree {d:2d}: training {train_error[d]:.4g}, validation {val_error[d]:.4g}")

# %% [markdown]
# 三种情形，逐一验证：
#
# - **欠拟合**：直线（1 阶）无法跟上三次多项式；两个误差都是噪声方差 $0.01$ 的数百倍。
# - **合适的容量**：3 阶时两个误差都接近 $0.01$，这是任何模型所能做到的最好结果，
#   权重也接近真实权重。
# - **过拟合**：每个更高的阶数都包含较低的阶数，所以训练误差只会下降（不计舍入误差）；验证误差则上升，
#   到 12 阶时高出几个数量级，此时用 13 个权重去拟合 20 个带噪声的点。

# %%
noise = 0.1**2
assert train_error[1] > 100 * noise
assert val_error[1] > 100 * noise
assert train_error[3] < 1.5 * noise
assert val_error[3] < 2 * noise
assert torch.allclose(weights[3], true_w, atol=0.1)
assert all(later <= earlier * (1 + 1e-3) for earlier, later in itertools.pairwise(train_error))
assert min(range(len(val_error)), key=val_error.__getitem__) == 3
assert val_error[12] > 1000 * val_error[3]
assert train_error[12] < train_error[3]
print(
    "true weights:", [round(w, 3) for w in true_w.tolist()], "\ndegree 3:", [round(w, 3) for w in weights[3].tolist()]
)

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4))
ax1.semilogy(degrees, train_error, "o-", label="training")
ax1.semilogy(degrees, val_error, "s-", label="validation")
ax1.axhline(noise, color="black", linestyle=":", label=r"noise variance $0.1^2$")
ax1.set(xlabel="degree", ylabel="mean squared error")
ax1.legend()
grid = torch.linspace(x_train.min().item(), x_train.max().item(), 300, dtype=torch.float64)
ax2.plot(x_train, y_train, "k.", label="training data")
for d, style in [(1, "--"), (3, "-"), (12, ":")]:
    ax2.plot(grid, features(grid, d) @ weights[d], style, label=f"degree {d}")
ax2.set(xlabel="$x$", ylabel="$y$", ylim=(y_train.min().item() - 3, y_train.max().item() + 3))
ax2.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## K折交叉验证 <a id="k-fold-cross-validation"></a>
#
# 数据很少时，单独划出验证集会浪费样本。**K折交叉验证**把训练数据分成 $K$ 折，训练 $K$ 次，
# 每次在其中 $K - 1$ 折上训练，在留下的那一折上验证；$K$ 个验证误差的平均值估计泛化误差，
# 并且每个样本都恰好被用于验证一次。有 $n$ 个样本时，第 $i$ 折是连续的
# $\lfloor n/K \rfloor$ 或 $\lceil n/K \rceil$ 个样本（前 $n \bmod K$ 折各多一个）。
# 我们的数据本来就是随机顺序；如果你的数据的顺序有意义，先把它打乱。


# %%
def k_fold_error(x, y, k, degree):
    n = len(x)
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    starts = [sum(sizes[:i]) for i in range(k)]
    errors = []
    for start, size in zip(starts, sizes, strict=True):
        held_out = torch.zeros(n, dtype=torch.bool)
        held_out[start : start + size] = True
        w = fit(x[~held_out], y[~held_out], degree)
        errors.append(mse(w, x[held_out], y[held_out]))
    return sum(errors) / k


cv_error = [k_fold_error(x_train, y_train, k=5, degree=d) for d in range(12)]
chosen = min(range(12), key=cv_error.__getitem__)
print("5-fold error by degree:", [f"{e:.3g}" for e in cv_error])
print("chosen degree:", chosen)
assert chosen == 3

# %% [markdown]
# 交叉验证仅凭 20 个训练样本就选出了 3 阶。直到这时才使用测试集，而且只用一次：
# 用全部训练数据重新拟合所选的模型，它的测试误差接近噪声方差。

# %%
test_error = mse(fit(x_train, y_train, chosen), x_test, y_test)
print(f"test error of degree {chosen}: {test_error:.4f}")
assert test_error < 2 * noise

# %% [markdown]
# ## 从零开始 <a id="from-scratch"></a>
#
# [`dlref.train.kfold`](../api/train.md#dlref.train.kfold) 提供 `kfold_splits`，即各折的索引对
# （可在任何设备上），以及 `cross_validate`，它在每一折上调用一个以 `(X_train, y_train, X_val, y_val)`
# 为参数的函数。它的划分与 scikit-learn 不打乱的 `KFold` 相同，得到的交叉验证误差也与上面的循环相同：

# %%
from sklearn.model_selection import KFold

from dlref.train.kfold import cross_validate, kfold_splits

for (train, val), (sk_train, sk_val) in zip(kfold_splits(20, k=5), KFold(n_splits=5).split(range(20)), strict=True):
    assert train.tolist() == sk_train.tolist()
    assert val.tolist() == sk_val.tolist()
for d in range(12):
    errors = cross_validate(lambda xt, yt, xv, yv, d=d: mse(fit(xt, yt, d), xv, yv), x_train, y_train, k=5)
    assert math.isclose(sum(errors) / 5, cv_error[d], rel_tol=1e-9), d
print([val.tolist() for _, val in kfold_splits(7, k=3)])

# %% [markdown]
# ## 常见错误 <a id="pitfalls"></a>
#
# **缩放列改变的是条件数，而不是拟合结果。** d2l 的特征 $x^i / i!$ 与 $x^i$ 张成相同的多项式空间，
# 所以精确最小二乘从两者得到同一条曲线。但最小二乘解的精度受矩阵的**条件数**（condition number）限制
# （float64 大约保留 16 位有效数字，条件数为 $10^k$ 可能损失其中 $k$ 位）：除以 $i!$ 使高次的列变得极小，
# 在这里让条件数大得多。这有助于梯度下降（否则大的幂会主导它的步长），却不利于直接求解。

# %%
scaled = features(x_train, max_degree) / torch.exp(torch.lgamma(torch.arange(max_degree + 1.0) + 1))
cond_raw, cond_scaled = torch.linalg.cond(features(x_train, max_degree)), torch.linalg.cond(scaled)
print(f"condition number, degree {max_degree}: x^i {cond_raw:.2e}, x^i/i! {cond_scaled:.2e}")
assert cond_scaled > 1e4 * cond_raw
w_scaled = torch.linalg.lstsq(features(x_train, 3) / torch.tensor([1.0, 1.0, 2.0, 6.0]), y_train[:, None]).solution
assert torch.allclose(w_scaled[:, 0] / torch.tensor([1.0, 1.0, 2.0, 6.0], dtype=torch.float64), weights[3])

# %% [markdown]
# **用测试集做选择。** 如果按测试误差选择阶数，所选模型的测试误差就是 16 个带噪声估计中最小的一个，
# 会系统性地偏低；它不再是泛化误差的估计。应由验证集（或交叉验证）做选择；测试集只报告一次结果。
# 迭代周期、学习率以及其他每一个选择都是如此。
#
# **有序数据的折。** `kfold_splits` 和 `KFold(shuffle=False)` 切出的是连续的片段。在按 $x$ 排序的数据上，
# 每一折都是模型从未见过的一段 $x$ 范围，交叉验证衡量的就变成了外推能力：这里 5 阶模型的 5 折误差，
# 在排序后的数据上比在同样数据的随机顺序上大许多倍。

# %%
order = x_train.argsort()
shuffled, by_x = k_fold_error(x_train, y_train, 5, 5), k_fold_error(x_train[order], y_train[order], 5, 5)
print(f"5-fold error, degree 5: random order {shuffled:.3g}, sorted by x {by_x:.3g}")
assert by_x > 10 * shuffled

# %% [markdown]
# ## 练习 <a id="exercises"></a>
#
# 1. 抽取 500 个训练样本而不是 20 个。12 阶还会过拟合吗？把它的验证误差与 3 阶的比较。
# 2. 留一交叉验证就是 $K = n$ 的K折交叉验证。用 `kfold_splits` 对 1 到 5 阶计算它，
#    并验证它也选择 3 阶。
# 3. 当训练样本数从 5 增加到 1000 时，3 阶模型的验证误差与噪声方差相比如何？画出来。

# %% [markdown]
# **解答**

# %% tags=["solution"]
torch.manual_seed(1)
x_many, y_many = make_data(500)
w3, w12 = fit(x_many, y_many, 3), fit(x_many, y_many, 12)
print(f"500 examples: validation degree 3 {mse(w3, x_val, y_val):.4f}, degree 12 {mse(w12, x_val, y_val):.4f}")
assert mse(w12, x_val, y_val) < 2 * mse(w3, x_val, y_val)  # enough data tames the extra capacity

# %% [markdown]
# **解答**

# %% tags=["solution"]
loo = []
for d in range(1, 6):
    errors = [mse(fit(x_train[t], y_train[t], d), x_train[v], y_train[v]) for t, v in kfold_splits(20, k=20)]
    loo.append(sum(errors) / 20)
print("leave-one-out error, degrees 1-5:", [f"{e:.3g}" for e in loo])
assert 1 + min(range(5), key=loo.__getitem__) == 3

# %% [markdown]
# **解答**

# %% tags=["solution"]
torch.manual_seed(2)
sizes = [5, 10, 20, 50, 100, 200, 500, 1000]
curve = []
for n in sizes:
    x_n, y_n = make_data(n)
    curve.append(mse(fit(x_n, y_n, 3), x_val, y_val))
fig, ax = plt.subplots(figsize=(4.5, 2.8))
ax.loglog(sizes, curve, "o-", label="validation error, degree 3")
ax.axhline(noise, color="black", linestyle=":", label="noise variance")
ax.set(xlabel="training examples", ylabel="mean squared error")
ax.legend()
fig.tight_layout()
assert curve[-1] < 1.3 * noise
assert curve[0] > curve[-1]

# %% [markdown]
# ## 另请参阅 <a id="see-also"></a>
#
# - [概率和统计](../probability/probability.py)：正态噪声，以及为什么平方损失来自它的似然。
# - [最小二乘法的三种解法](../walkthroughs/least-squares.py)：这里用到的精确拟合。
# - [多层感知机](../training/mlp.py)：在验证集上选择迭代周期。
# - API 参考：[`dlref.train.kfold`](../api/train.md#dlref.train.kfold)。
