# ---
# jupyter:
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
# # Derivatives
#
# The derivative of $f$ at $x$ is the limit of the **difference quotient**
#
# $$
# f'(x) = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h},
# $$
#
# the slope of the line through $(x, f(x))$ and $(x + h, f(x + h))$ as the second point slides onto
# the first. The tangent line $y = f(x_0) + f'(x_0)(x - x_0)$ is the best linear approximation of
# $f$ near $x_0$. This page computes the limit numerically and watches it fail in floating point,
# checks the differentiation rules symbolically with sympy, and draws a tangent line. Everything
# below runs when the site is built, and the `assert`s fail the build if a result changes.
#
# ## The limit, computed
#
# Take d2l's example, $f(x) = 3x^2 - 4x$ at $x = 1$, where $f'(1) = 2$. In exact arithmetic the
# forward quotient is $2 + 3h$, so its error is $3h$ and shrinks with $h$. In floating point,
# $f(x + h) - f(x)$ subtracts two nearly equal numbers, each rounded to nearest with a relative
# error up to $\varepsilon / 2$ (half the machine epsilon $\varepsilon$, which is
# $1.2 \times 10^{-7}$ in float32 and $2.2 \times 10^{-16}$ in float64). Their difference can
# then be off by about $\varepsilon |f(x)|$, and dividing by $h$ magnifies that to about
# $\varepsilon |f(x)| / h$. The total error is smallest near $h \approx \sqrt{\varepsilon}$ and
# grows again below it. Both quotients are one line of PyTorch each.

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
# Reading down the float64 columns: the error is $3h$ down to $h = 10^{-7}$ (truncation), is
# smallest around $10^{-8}$, and grows again as round-off takes over. In float32 the best step is
# about $10^{-3}$–$10^{-4}$, and from $h = 10^{-8}$ on, $1 + h$ rounds to $1$, so the quotient is
# exactly $0$. The central quotient $\frac{f(x+h) - f(x-h)}{2h}$ is exact for a quadratic (its
# truncation error involves $f'''$, which is 0 here), so all of its error is round-off.
#
# These statements are checked:

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
# ## Error against h
#
# On log–log axes, truncation error is a line of slope $+1$ (forward quotient) and round-off a line
# of slope $-1$; their sum is the V shape. The dotted lines are the two models, $3h$ and
# $\varepsilon / h$, for each dtype. (Points with zero error, which a log axis cannot show, are
# left out.)

# %% alt="Log-log plot: error of forward and central difference quotients against the step h"
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
# ## The rules, checked symbolically
#
# sympy differentiates symbolically. For arbitrary differentiable functions $f$ and $g$ (sympy
# `Function`s, about which it knows nothing else), a constant $c$ and a symbolic exponent $n$, each
# rule's two sides must agree exactly: the last column is `simplify(left - right) == 0`.

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
# The `power` row holds for any symbol $n$, not just integers; `chain` is $\frac{d}{dx} f(g(x)) =
# f'(g(x))\,g'(x)$, with sympy's notation for "$f'$ evaluated at $g(x)$". Autograd applies the same
# rules numerically: its derivative of $3x^2 - 4x$ at $x = 1$ is exactly 2.

# %%
x0 = torch.tensor(1.0, dtype=torch.float64, device=device, requires_grad=True)
f(x0).backward()
slope = x0.grad.item()
assert slope == 2.0
slope

# %% [markdown]
# ## f and its tangent line
#
# The tangent at $x_0 = 1$ is $y = f(1) + f'(1)(x - 1) = 2x - 3$, with the slope from autograd.
# Near $x_0$ it is indistinguishable from $f$: the gap is $3(x - 1)^2$, second order in the
# distance.

# %% alt="The parabola f(x) = 3x^2 - 4x and its tangent y = 2x - 3 touching it at x = 1"
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
# ## Exercises
#
# **1.** Find the derivative of $g(x) = x^3 - \frac{1}{x}$ by hand, and the tangent line at
# $x = 1$. Check the slope with autograd and with the central quotient in float64.


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
# **2.** The central quotient's truncation error is about $\frac{h^2}{6} |g'''(x)|$ and its
# round-off about $\varepsilon |g(x)| / h$ (here $g(1) = 0$, so take the size of the terms, 1).
# Predict the step $h$ that minimises the total error in float64, then find it by trying
# $h = 10^{-1}, \dots, 10^{-12}$ on $g$ at $x = 1$.

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
# **3.** Differentiate $x^x$ for $x > 0$ (write it as $e^{x \ln x}$), and check your answer with
# sympy and with autograd at $x = 2$.

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
# ## See also
#
# - [Gradients and the chain rule](gradients.md): partial derivatives, gradients, Jacobians, and
#   what torch returns at a kink.
# - [Matrix-calculus identities](matrix-calculus.md): finite differences as one of three checks.
# - API reference: [`dlref.calculus.derivatives`](../api/calculus.md#dlref.calculus.derivatives)
#   (`difference_quotient`, `central_difference`, `numerical_gradient`, `numerical_jacobian`).
