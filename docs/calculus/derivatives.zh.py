# ---
# jupyter:
#   translated_from: 5a20e87f6b136f17
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
# # 导数 <a id="derivatives"></a>
#
# 函数 $f$ 在 $x$ 处的导数（derivative）是**差商**（difference quotient）的极限
#
# $$
# f'(x) = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h},
# $$
#
# 即当第二个点滑向第一个点时，过 $(x, f(x))$ 和 $(x + h, f(x + h))$ 两点的直线的斜率。
# 切线 $y = f(x_0) + f'(x_0)(x - x_0)$ 是 $f$ 在 $x_0$ 附近最好的线性近似。本页用数值方法计算这个极限，
# 观察它在浮点运算中如何失效；用 sympy 对微分法则做符号检查；再画出一条切线。下面的所有内容都在构建网站时运行，
# 结果一旦改变，其中的 `assert` 就会让构建失败。
#
# ## 计算极限 <a id="the-limit-computed"></a>
#
# 取 d2l 中的例子：$f(x) = 3x^2 - 4x$，在 $x = 1$ 处 $f'(1) = 2$。在精确运算中，前向差商等于 $2 + 3h$，
# 所以误差是 $3h$，随 $h$ 一起减小。在浮点运算中，$f(x + h) - f(x)$ 是两个几乎相等的数相减，
# 而这两个数都按“舍入到最近”取整，相对误差最大为 $\varepsilon / 2$（机器精度 $\varepsilon$ 的一半，
# 它在 float32 中是 $1.2 \times 10^{-7}$，在 float64 中是 $2.2 \times 10^{-16}$）。
# 于是它们的差可能偏差约 $\varepsilon |f(x)|$，除以 $h$ 后放大到约 $\varepsilon |f(x)| / h$。
# 总误差在 $h \approx \sqrt{\varepsilon}$ 附近最小，$h$ 再小，误差又会增大。两种差商在 PyTorch 中各只需一行代码。

# %%
import matplotlib.pyplot as plt
import pandas as pd
import sympy
import torch

device = "cuda" if torch.cuda.is_available() else "cpu"


def f(x):
    return 3 * x**2 - 4 * x


def difference_quotient(f, x, h):
    return (f(x + h) - f(x)) / h


def central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


steps = [10.0**-k for k in range(1, 15)]
rows = []
for h in steps:
    row = {"h": h}
    for dtype, name in [(torch.float32, "float32"), (torch.float64, "float64")]:
        x = torch.tensor([1.0], dtype=dtype, device=device)
        quotient = difference_quotient(f, x, h).item()
        row[f"{name} quotient"] = quotient
        row[f"{name} error"] = abs(quotient - 2.0)
    row["float64 central error"] = abs(central_difference(f, torch.tensor([1.0], dtype=torch.float64), h).item() - 2.0)
    rows.append(row)
table = pd.DataFrame(rows)
pd.set_option("display.float_format", "{:.4g}".format)
table

# %% [markdown]
# 沿 float64 的各列往下读：直到 $h = 10^{-7}$，误差都是 $3h$（截断误差），在 $10^{-8}$ 附近最小，
# 随后舍入误差占了上风，误差又增大。在 float32 中，最好的步长约为 $10^{-3}$–$10^{-4}$；
# 从 $h = 10^{-8}$ 起，$1 + h$ 舍入为 $1$，所以差商恰好是 $0$。
# 中心差商 $\frac{f(x+h) - f(x-h)}{2h}$ 对二次函数是精确的（它的截断误差含有 $f'''$，而这里 $f''' = 0$），
# 所以它的误差全部来自舍入。
#
# 这些论断都经过了检查：

# %%
best32 = table.loc[table["float32 error"].idxmin(), "h"]
best64 = table.loc[table["float64 error"].idxmin(), "h"]
assert 1e-5 <= best32 <= 1e-2, best32
assert 1e-10 <= best64 <= 1e-6, best64
truncation = table[table["h"] >= 1e-4]  # here float64 error is 3h to 3 digits
assert ((truncation["float64 error"] / (3 * truncation["h"]) - 1).abs() < 1e-3).all()
assert (table.loc[table["h"] <= 1e-8, "float32 quotient"] == 0).all()  # 1 + h == 1 in float32
assert table["float64 error"].iloc[-1] > 100 * table["float64 error"].min()  # round-off at h = 1e-14
print(f"best h: float32 {best32:.0e}, float64 {best64:.0e}")

# %% [markdown]
# ## 误差与 h 的关系 <a id="error-against-h"></a>
#
# 在双对数坐标中，截断误差是一条斜率为 $+1$ 的直线（前向差商），舍入误差是一条斜率为 $-1$ 的直线；二者之和形成 V 形。
# 点线是两种误差模型：$3h$，以及每种数据类型的 $\varepsilon / h$。（误差为零的点无法在对数坐标上显示，所以略去。）

# %% alt="双对数图：前向差商和中心差商的误差随步长 h 的变化"
fig, ax = plt.subplots(figsize=(6.5, 4))
for name, colour in [("float32", "C0"), ("float64", "C1")]:
    eps = torch.finfo(getattr(torch, name)).eps
    errors = table[f"{name} error"].where(table[f"{name} error"] > 0)
    ax.loglog(table["h"], errors, "o-", color=colour, label=f"forward, {name}")
    ax.loglog(table["h"], eps / table["h"], ":", color=colour, label=rf"$\varepsilon/h$, {name}")
central = table["float64 central error"].where(table["float64 central error"] > 0)
ax.loglog(table["h"], central, "s--", color="C2", label="central, float64")
ax.loglog(table["h"], 3 * table["h"], "k:", label="$3h$ (truncation)")
ax.set(xlabel="step $h$", ylabel="|quotient - f'(1)|", title=r"$f(x) = 3x^2 - 4x$ at $x = 1$", ylim=(1e-13, 1e1))
ax.invert_xaxis()
ax.legend(fontsize=8, ncol=2)
fig.tight_layout()

# %% [markdown]
# ## 微分法则的符号检查 <a id="the-rules-checked-symbolically"></a>
#
# sympy 做的是符号求导。对任意可微函数 $f$ 和 $g$（sympy 的 `Function`，除此之外 sympy 对它们一无所知）、
# 常数 $c$ 和符号指数 $n$，每条法则的两边都必须完全相等：最后一列是 `simplify(left - right) == 0` 的结果。

# %%
x, c, n = sympy.symbols("x c n")
F, G = sympy.Function("f")(x), sympy.Function("g")(x)
d = sympy.diff
rules = [
    ("constant", d(c, x), 0),
    ("constant multiple", d(c * F, x), c * d(F, x)),
    ("sum", d(F + G, x), d(F, x) + d(G, x)),
    ("product", d(F * G, x), d(F, x) * G + F * d(G, x)),
    ("quotient", d(F / G, x), (d(F, x) * G - F * d(G, x)) / G**2),
    ("power", d(x**n, x), n * x ** (n - 1)),
    ("exp", d(sympy.exp(x), x), sympy.exp(x)),
    ("log", d(sympy.log(x), x), 1 / x),
    ("chain", d(sympy.Function("f")(G), x), sympy.Subs(d(sympy.Function("f")(x), x), x, G).doit() * d(G, x)),
]
checked = pd.DataFrame(
    [
        (name, f"${sympy.latex(left)}$", f"${sympy.latex(right)}$", sympy.simplify(left - right) == 0)
        for name, left, right in rules
    ],
    columns=["rule", "sympy's derivative", "the rule", "equal"],
)
assert checked["equal"].all()
pd.set_option("display.max_colwidth", None)  # each LaTeX cell whole, so the page renders it as math
checked

# %% [markdown]
# `power`（幂法则）一行对任意符号 $n$ 都成立，而不只对整数成立；`chain`（链式法则）
# 即 $\frac{d}{dx} f(g(x)) = f'(g(x))\,g'(x)$，其中“在 $g(x)$ 处取值的 $f'$”用的是 sympy 的记号。
# 自动微分在数值上应用同样的法则：它求出的 $3x^2 - 4x$ 在 $x = 1$ 处的导数恰好是 2。

# %%
x0 = torch.tensor(1.0, dtype=torch.float64, device=device, requires_grad=True)
f(x0).backward()
slope = x0.grad.item()
assert slope == 2.0
slope

# %% [markdown]
# ## f 及其切线 <a id="f-and-its-tangent-line"></a>
#
# 在 $x_0 = 1$ 处的切线是 $y = f(1) + f'(1)(x - 1) = 2x - 3$，斜率取自自动微分。在 $x_0$ 附近，
# 切线与 $f$ 几乎无法区分：两者之差是 $3(x - 1)^2$，是距离的二阶量。

# %% alt="抛物线 f(x) = 3x^2 - 4x 和它在 x = 1 处的切线 y = 2x - 3"
grid = torch.linspace(-0.5, 2.5, 200, dtype=torch.float64)
tangent = f(torch.tensor(1.0)).item() + slope * (grid - 1)
assert torch.allclose(f(grid) - tangent, 3 * (grid - 1) ** 2)
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.plot(grid, f(grid), label="$f(x) = 3x^2 - 4x$")
ax.plot(grid, tangent, "--", label="tangent at $x = 1$: $y = 2x - 3$")
ax.plot([1.0], [f(torch.tensor(1.0)).item()], "ko")
ax.set(xlabel="$x$", ylabel="$y$")
ax.legend()
fig.tight_layout()

# %% [markdown]
# ## 练习 <a id="exercises"></a>
#
# **1.** 手工求 $g(x) = x^3 - \frac{1}{x}$ 的导数，以及它在 $x = 1$ 处的切线。用自动微分和 float64 的中心差商验证斜率。


# %% tags=["solution"]
# By the power rule, g'(x) = 3x^2 + 1/x^2, so g'(1) = 4; with g(1) = 0 the tangent is y = 4x - 4.
def g(x):
    return x**3 - 1 / x


x1 = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
g(x1).backward()
numerical = central_difference(g, torch.tensor(1.0, dtype=torch.float64), 1e-5).item()
assert x1.grad.item() == 4.0
assert abs(numerical - 4.0) < 1e-8, numerical
print(f"autograd {x1.grad.item()}, central quotient {numerical:.10f}")

# %% [markdown]
# **2.** 中心差商的截断误差约为 $\frac{h^2}{6} |g'''(x)|$，舍入误差约为 $\varepsilon |g(x)| / h$（这里 $g(1) = 0$，
# 所以取各项的大小，即 1）。预测在 float64 中使总误差最小的步长 $h$，
# 再在 $x = 1$ 处对 $g$ 试 $h = 10^{-1}, \dots, 10^{-12}$，把它找出来。

# %% tags=["solution"]
# The two terms balance near h = eps^(1/3), about 6e-6 in float64, so the best power of ten is
# near 1e-5 or 1e-6: much larger than the forward quotient's best step, about sqrt(eps) = 1.5e-8.
eps = torch.finfo(torch.float64).eps
errors = {
    10.0**-k: abs(central_difference(g, torch.tensor(1.0, dtype=torch.float64), 10.0**-k).item() - 4.0)
    for k in range(1, 13)
}
best_h = min(errors, key=errors.get)
assert 1e-7 <= best_h <= 1e-4, best_h
print(f"eps^(1/3) = {eps ** (1 / 3):.1e}; best step tried: {best_h:.0e}")

# %% [markdown]
# **3.** 求 $x^x$（$x > 0$）的导数（把它写成 $e^{x \ln x}$），并在 $x = 2$ 处用 sympy 和自动微分验证你的答案。

# %% tags=["solution"]
# With u = x ln x, d/dx e^u = e^u u' = x^x (ln x + 1).
s = sympy.symbols("s", positive=True)
assert sympy.simplify(sympy.diff(s**s, s) - s**s * (sympy.log(s) + 1)) == 0
x2 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
(x2**x2).backward()
expected = 4 * (torch.log(torch.tensor(2.0, dtype=torch.float64)) + 1)
assert torch.isclose(x2.grad, expected)
print(f"d/dx x^x at 2: autograd {x2.grad.item():.6f}, 4 (ln 2 + 1) = {expected.item():.6f}")

# %% [markdown]
# ## 另请参阅 <a id="see-also"></a>
#
# - [梯度和链式法则](gradients.md)：偏导数、梯度、雅可比矩阵，以及 torch 在折点处返回什么。
# - [矩阵微积分恒等式](matrix-calculus.md)：有限差分作为三种检查之一。
# - API 参考：[`dlref.calculus.derivatives`](../api/calculus.md#dlref.calculus.derivatives)
#   （`difference_quotient`、`central_difference`、`numerical_gradient`、`numerical_jacobian`）。
