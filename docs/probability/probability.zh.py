# ---
# jupyter:
#   translated_from: cef6d8ec04f7ef33
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
# # 概率和统计 <a id="probability-and-statistics"></a>
#
# **随机变量**（random variable）$X$ 以概率 $P(X = x)$ 取每个值 $x$，所有取值的概率之和为 1。
# 对两个变量，从**联合概率**（joint probability）$P(A = a, B = b)$ 中把另一个变量求和消去，
# 得到**边缘概率**（marginal probability）$P(A = a) = \sum_b P(A = a, B = b)$；
# 再由两者得到**条件概率**（conditional probability，贝叶斯定理就建立在它之上）：
#
# $$
# P(B = b \mid A = a) = \frac{P(A = a, B = b)}{P(A = a)} .
# $$
#
# 把联合概率按两种方式写出，$P(A, B) = P(B \mid A)\,P(A) = P(A \mid B)\,P(B)$，
# 就得到**贝叶斯定理**（Bayes' theorem）$P(A \mid B) = P(B \mid A)\,P(A) / P(B)$。
# **期望**（expectation）$E[X] = \sum_x x\,P(X = x)$ 是按概率加权的平均值，**方差**（variance）
# $\mathrm{Var}[X] = E[(X - E[X])^2]$ 是与期望之差的平方的期望。本页用 `torch.multinomial` 和
# `torch.distributions` 采样，观察相对频率如何收敛，演算《动手学深度学习》中贝叶斯定理的例子，
# 并说明为什么在噪声服从正态分布时，平方损失就是最大似然估计的损失。下面的所有代码都在构建网站时运行，
# 结果一旦改变，其中的 `assert` 就会使构建失败。
#
# ## 采样，以及收敛的频率 <a id="sampling-and-frequencies-that-converge"></a>
#
# `torch.multinomial(probs, n, replacement=True)` 抽取 `n` 个结果，其中结果 $i$ 被抽到的概率为
# `probs[i]`（和不为 1 的权重会先被归一化）。`torch.distributions.Categorical`
# 是以对象形式表示的同一个分布，带有 `sample`、`log_prob` 等方法。一个公平的骰子：

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)

fair = torch.ones(6) / 6
rolls = torch.multinomial(fair, 10, replacement=True) + 1  # faces 1 to 6
die = torch.distributions.Categorical(probs=fair)
print(rolls)
print(die.sample((10,)) + 1)
print(die.log_prob(torch.tensor(2)).exp())  # P(face 3): the outcome index 2

# %% [markdown]
# 根据**大数定律**（law of large numbers），随着掷骰子次数 $n$ 的增加，每一面的相对频率
# $\hat P_n(k) = \frac1n \#\{i \le n : x_i = k\}$ 趋于 $P(k) = 1/6$；它的标准差为
# $\sqrt{P(k)(1 - P(k))/n}$，所以按 $1/\sqrt n$ 的速度缩小。对掷出的结果做独热编码，再求累积和，
# 就能一次得到所有的 $\hat P_n$：

# %%
n = 10_000
outcomes = torch.multinomial(fair, n, replacement=True).to(device)  # face k+1 as index k
counts = F.one_hot(outcomes, num_classes=6).cumsum(dim=0)  # counts[t, k]: face k+1 in rolls 0..t
frequencies = counts / torch.arange(1, n + 1, device=device)[:, None]
final = frequencies[-1].cpu()
print("after", n, "rolls:", final)
spread = math.sqrt(1 / 6 * 5 / 6 / n)
assert (final - 1 / 6).abs().max() < 4 * spread, final  # within 4 standard deviations
assert (frequencies[9].cpu() - 1 / 6).abs().max() > (final - 1 / 6).abs().max()  # 10 rolls are far off

# %%
fig, ax = plt.subplots(figsize=(6.5, 4))
draws = torch.arange(1, n + 1)
for k in range(6):
    ax.semilogx(draws, frequencies[:, k].cpu(), label=f"face {k + 1}")
ax.semilogx(draws, 1 / 6 + 2 * torch.sqrt(1 / 6 * 5 / 6 / draws), "k:", label=r"$1/6 \pm 2$ std")
ax.semilogx(draws, 1 / 6 - 2 * torch.sqrt(1 / 6 * 5 / 6 / draws), "k:")
ax.axhline(1 / 6, color="black", linewidth=0.8)
ax.set(xlabel="number of rolls $n$", ylabel="relative frequency", ylim=(0, 0.5))
ax.legend(ncol=2, fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## 联合概率、边缘概率和条件概率 <a id="joint-marginal-and-conditional-probability"></a>
#
# 两个变量的联合分布是一张表，`joint[a, b]` $= P(A = a, B = b)$。边缘分布是沿某一维的求和，
# 条件分布则是把一行除以它的边缘概率（把一列边缘概率沿行广播）。以天气 $A$（0：不下雨，1：下雨）
# 和某人是否带伞 $B$（0：不带，1：带）为例：

# %%
joint = torch.tensor([[0.56, 0.14], [0.03, 0.27]], dtype=torch.float64)
P_A = joint.sum(dim=1)  # sum B out: P(A = a)
P_B = joint.sum(dim=0)  # sum A out: P(B = b)
P_B_given_A = joint / P_A[:, None]  # row a: P(B = b | A = a)
print("P(A):", P_A, "\nP(B):", P_B, "\nP(B | A):\n", P_B_given_A)
assert torch.allclose(P_A, torch.tensor([0.7, 0.3], dtype=torch.float64))
assert torch.allclose(P_B_given_A.sum(dim=1), torch.ones(2, dtype=torch.float64))  # each row is a distribution
assert torch.allclose(P_B_given_A[1], torch.tensor([0.1, 0.9], dtype=torch.float64))  # rain: 90% carry one

# %% [markdown]
# 从展平的表中成对地采样再计数，就能还原这张表以及条件概率：在采样得到的下雨天中，带伞的比例接近 0.9。

# %%
pairs = torch.multinomial(joint.flatten(), 200_000, replacement=True)
a, b = pairs // 2, pairs % 2  # flat index 2a + b
estimate = torch.bincount(pairs, minlength=4).reshape(2, 2).double() / len(pairs)
umbrella_when_rain = b[a == 1].float().mean().item()
print(estimate, round(umbrella_when_rain, 4))
assert torch.allclose(estimate, joint, atol=0.005)
assert abs(umbrella_when_rain - 0.9) < 0.005

# %% [markdown]
# ## 贝叶斯定理的一个实例 <a id="bayes-rule-on-a-worked-example"></a>
#
# 《动手学深度学习》中的例子：疾病 $H$ 的患病率为 $P(H = 1) = 0.0015$。检测 $D_1$ 总能查出患者，
# $P(D_1 = 1 \mid H = 1) = 1$，假阳性率为 $P(D_1 = 1 \mid H = 0) = 0.01$。检测结果呈阳性之后，
#
# $$
# P(H = 1 \mid D_1 = 1) = \frac{P(D_1 = 1 \mid H = 1)\,P(H = 1)}
# {P(D_1 = 1 \mid H = 1)\,P(H = 1) + P(D_1 = 1 \mid H = 0)\,P(H = 0)}
# = \frac{0.0015}{0.0015 + 0.01 \cdot 0.9985} \approx 0.1306 .
# $$
#
# 分母就是边缘概率 $P(D_1 = 1)$。第二项检测 $D_2$（给定 $H$ 时与 $D_1$ 相互独立）满足
# $P(D_2 = 1 \mid H = 1) = 0.98$，$P(D_2 = 1 \mid H = 0) = 0.03$，
# 它把上面的后验概率当作自己的先验概率。

# %%
prior = torch.tensor([0.9985, 0.0015], dtype=torch.float64)  # P(H = 0), P(H = 1)
test1 = torch.tensor([0.01, 1.0], dtype=torch.float64)  # P(D1 = 1 | H = h)
test2 = torch.tensor([0.03, 0.98], dtype=torch.float64)  # P(D2 = 1 | H = h)
after1 = test1 * prior / (test1 * prior).sum()
after2 = test2 * after1 / (test2 * after1).sum()
print(f"P(H=1 | D1=1) = {after1[1]:.4f}, P(H=1 | D1=1, D2=1) = {after2[1]:.4f}")
assert round(after1[1].item(), 4) == 0.1306
assert round(after2[1].item(), 4) == 0.8307

# %% [markdown]
# 这个违反直觉的 13% 可以通过模拟一个人群来核对：先抽取每个人的 $H$，再用 `torch.bernoulli` 在给定 $H$
# 的条件下抽取每项检测的结果，然后看检测呈阳性的那些人。

# %%
people = 2_000_000
H = torch.bernoulli(torch.full((people,), 0.0015, dtype=torch.float64)).bool()
D1 = torch.bernoulli(torch.where(H, 1.0, 0.01)).bool()
D2 = torch.bernoulli(torch.where(H, 0.98, 0.03)).bool()
sick_if_positive = H[D1].double().mean().item()
sick_if_both = H[D1 & D2].double().mean().item()
print(f"simulated: {sick_if_positive:.4f}, {sick_if_both:.4f}")
assert abs(sick_if_positive - after1[1].item()) < 0.01
assert abs(sick_if_both - after2[1].item()) < 0.02

# %% [markdown]
# ## 期望和方差 <a id="expectation-and-variance"></a>
#
# 对一个公平的骰子，$E[X] = \frac{1 + \dots + 6}{6} = 3.5$，
# $\mathrm{Var}[X] = E[X^2] - E[X]^2 = \frac{91}{6} - 3.5^2 = \frac{35}{12} \approx 2.917$。
# 多次掷骰子的样本均值和样本方差会逼近它们。`torch.var` 默认除以 $n - 1$（由样本得到的无偏估计，见
# “常见错误”一节）；`correction=0` 给出离差平方的平均值。

# %%
faces = torch.arange(1, 7, dtype=torch.float64)
E = (faces * fair.double()).sum()
Var = ((faces - E) ** 2 * fair.double()).sum()
rolls = (torch.multinomial(fair, 100_000, replacement=True) + 1).double()
print(f"exact: E = {E:.4f}, Var = {Var:.4f}; sampled: mean = {rolls.mean():.4f}, var = {rolls.var(correction=0):.4f}")
assert torch.isclose(Var, torch.tensor(35 / 12, dtype=torch.float64))
assert abs(rolls.mean() - E) < 0.02
assert abs(rolls.var(correction=0) - Var) < 0.05

# %% [markdown]
# 每个 `torch.distributions` 分布都知道自己的矩：$n$ 次试验、每次成功概率为 $p$ 的二项分布，均值为
# $np$，方差为 $np(1 - p)$。

# %%
binomial = torch.distributions.Binomial(total_count=10, probs=torch.tensor(0.3, dtype=torch.float64))
k = torch.arange(11, dtype=torch.float64)
pmf = binomial.log_prob(k).exp()
print(binomial.mean, binomial.variance)
assert torch.isclose((k * pmf).sum(), binomial.mean)
assert torch.isclose(((k - 3) ** 2 * pmf).sum(), binomial.variance)

# %% [markdown]
# ## 正态分布与平方损失 <a id="the-normal-distribution-and-the-squared-loss"></a>
#
# 正态分布（高斯分布）$\mathcal N(\mu, \sigma^2)$ 的概率密度为
#
# $$
# p(x) = \frac{1}{\sqrt{2\pi\sigma^2}} \exp\left(-\frac{(x - \mu)^2}{2\sigma^2}\right),
# $$
#
# 其均值为 $\mu$，方差为 $\sigma^2$。`torch.distributions.Normal(loc, scale)` 的 `scale` 是**标准差**
# $\sigma$：

# %%
x = torch.linspace(-7, 7, 401)
fig, ax = plt.subplots(figsize=(6.5, 3.5))
for mu, sigma in [(0, 1), (0, 2), (3, 1)]:
    normal = torch.distributions.Normal(loc=float(mu), scale=float(sigma))
    ax.plot(x, normal.log_prob(x).exp(), label=rf"$\mu = {mu}, \sigma = {sigma}$")
    area = torch.trapezoid(normal.log_prob(x).exp(), x)
    assert abs(area - 1) < 1e-3, area  # a density integrates to 1
ax.set(xlabel="$x$", ylabel="$p(x)$")
ax.legend()
fig.tight_layout()

# %% [markdown]
# 线性回归假设 $y = \mathbf{w}^\top \mathbf{x} + b + \epsilon$，其中噪声
# $\epsilon \sim \mathcal N(0, \sigma^2)$，所以 $y \sim \mathcal N(\hat y, \sigma^2)$，其中
# $\hat y = \mathbf{w}^\top \mathbf{x} + b$。$n$ 个独立样本的负对数似然取平均后为
#
# $$
# -\frac1n \sum_i \log p(y_i \mid \mathbf{x}_i)
# = \frac12 \log(2\pi\sigma^2) + \frac{1}{\sigma^2} \cdot \frac1n \sum_i \frac12 (y_i - \hat y_i)^2 .
# $$
#
# 对固定的 $\sigma$，第一项不依赖于 $\mathbf{w}$ 和 $b$，第二项是平方损失除以 $\sigma^2$：
# 使似然最大的参数，恰好就是使平方损失最小的参数。`F.gaussian_nll_loss(input, target, var, full=True)`
# 计算的正是这个负对数似然（它接受的是**方差**）。在一组斜率的网格上，它是均方误差的仿射函数，
# 两者在同一个斜率处取得最小值：

# %%
torch.manual_seed(0)
sigma = 0.5
X = torch.rand(100, dtype=torch.float64)
y = 2 * X + 1 + sigma * torch.randn(100, dtype=torch.float64)
slopes = torch.linspace(0, 4, 401, dtype=torch.float64)
mse = torch.stack([F.mse_loss(w * X + 1, y) for w in slopes])
nll = torch.stack([F.gaussian_nll_loss(w * X + 1, y, torch.full_like(y, sigma**2), full=True) for w in slopes])
assert torch.allclose(nll, 0.5 * math.log(2 * math.pi * sigma**2) + mse / (2 * sigma**2))
assert mse.argmin() == nll.argmin()
print(f"best slope on the grid: {slopes[mse.argmin()]:.2f} (squared loss), {slopes[nll.argmin()]:.2f} (likelihood)")

# %% [markdown]
# ## 从零开始 <a id="from-scratch"></a>
#
# [`dlref.probability.basics`](../api/probability.md#dlref.probability.basics) 按定义实现了这些量：
# `relative_frequencies`（即上面的累积计数）、`bayes_posterior`、`expectation`、`variance`、
# `normal_pdf` 和 `gaussian_nll`。它们都与 torch 的结果一致：

# %%
from dlref.probability.basics import (
    bayes_posterior,
    expectation,
    gaussian_nll,
    normal_pdf,
    relative_frequencies,
    variance,
)

assert torch.allclose(relative_frequencies(outcomes, num_classes=6), frequencies)
assert torch.allclose(bayes_posterior(prior, test1), after1)
assert torch.isclose(expectation(k, pmf), binomial.mean)
assert torch.isclose(variance(k, pmf), binomial.variance)
assert torch.allclose(normal_pdf(x, 3.0, 2.0), torch.distributions.Normal(3.0, 2.0).log_prob(x).exp())
assert torch.isclose(
    gaussian_nll(2 * X + 1, y, sigma), F.gaussian_nll_loss(2 * X + 1, y, torch.full_like(y, sigma**2), full=True)
)
print(bayes_posterior(prior, test1), variance(faces, fair.double()))

# %% [markdown]
# ## 常见错误 <a id="pitfalls"></a>
#
# **默认是无放回采样。** 除非另行指定，`torch.multinomial` 进行无放回抽样，
# 所以要求的抽取次数多于结果的个数时会失败，而抽取次数较少时永远不会重复抽到同一个结果：

# %%
try:
    torch.multinomial(fair, 10)
except RuntimeError as error:
    print(f"RuntimeError: {error}")
print(torch.multinomial(fair, 6))  # a permutation: every face exactly once

# %% [markdown]
# **`torch.var` 是样本方差。** 它默认除以 $n - 1$（贝塞尔校正，Bessel's correction），
# 这是用样本对总体方差的无偏估计。对一个完全已知的分布求方差，或计算《动手学深度学习》中的
# $\frac1n \sum_i (x_i - \bar x)^2$，需要 `correction=0`：

# %%
values = torch.tensor([1.0, 2.0, 3.0, 4.0])
print(values.var(), values.var(correction=0))
assert values.var(correction=0) == 1.25
assert torch.isclose(values.var(), torch.tensor(5 / 3))

# %% [markdown]
# **`scale` 是 $\sigma$，`var` 是 $\sigma^2$。** `Normal(loc, scale)` 接受标准差，
# `F.gaussian_nll_loss` 接受方差；把其中一个当作另一个传进去，得到的就是另一个分布，
# 而且不会有任何提示。不是正数的 `scale` 会被拒绝（各个分布默认会验证自己的参数）：

# %%
print(torch.distributions.Normal(0.0, 4.0).variance)  # scale 4 means variance 16
try:
    torch.distributions.Normal(0.0, 0.0)
except ValueError as error:
    print(f"ValueError: {error}")

# %% [markdown]
# ## 练习 <a id="exercises"></a>
#
# 1. 掷两个公平的骰子 100 000 次。估计 $P(\text{sum} = 7)$，并与精确值 $6/36$ 比较。
# 2. 在疾病的例子中，独立地重复第一项检测 $D_1$，需要连续多少次阳性结果，
#    $P(H = 1 \mid \text{all positive})$ 才会超过 0.99？
# 3. 分别用采样和由和的分布精确计算，说明两个独立骰子点数之和的方差是一个骰子方差的两倍，即
#    $2 \cdot 35/12$。

# %% [markdown]
# **解答**

# %% tags=["solution"]
torch.manual_seed(0)
two = torch.multinomial(fair, 2 * 100_000, replacement=True).reshape(-1, 2) + 1
p7 = (two.sum(dim=1) == 7).double().mean().item()
print(f"P(sum = 7) ≈ {p7:.4f}, exact {6 / 36:.4f}")
assert abs(p7 - 6 / 36) < 0.005

# %% [markdown]
# **解答**

# %% tags=["solution"]
posterior, tests = prior, 0
while posterior[1] <= 0.99:
    posterior = test1 * posterior / (test1 * posterior).sum()
    tests += 1
print(tests, "positive tests:", posterior[1].item())
assert tests == 3

# %% [markdown]
# **解答**

# %% tags=["solution"]
# The sum's distribution: P(S = s) counts the pairs (i, j) with i + j = s.
sums = faces[:, None] + faces[None, :]  # 6 x 6 table of i + j
s = torch.arange(2, 13, dtype=torch.float64)
p_s = torch.stack([(sums == value).double().sum() / 36 for value in s])
exact = ((s - (s * p_s).sum()) ** 2 * p_s).sum()
sampled = two.sum(dim=1).double().var(correction=0)
print(f"exact {exact:.4f}, sampled {sampled:.4f}, 2 * 35/12 = {2 * 35 / 12:.4f}")
assert torch.isclose(exact, torch.tensor(2 * 35 / 12, dtype=torch.float64))
assert abs(sampled - exact) < 0.05

# %% [markdown]
# ## 另请参阅 <a id="see-also"></a>
#
# - [线性回归](../training/linear-regression.py)：用平方损失训练模型。
# - [信息论](information-theory.md)：熵、交叉熵和 KL 散度，即分类损失背后的这些量。
# - [泛化](../generalisation/generalisation.py)：把验证误差作为新数据上期望误差的估计。
# - API 参考：[`dlref.probability.basics`](../api/probability.md#dlref.probability.basics)。
