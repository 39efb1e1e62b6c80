"""Work every page's process would otherwise repeat, done once in the fork server before it forks.

Imported by the server after the libraries it preloads: the modules a page's or notebook's process
imports (doctest, IPython's magics, completer and history, PIL's image plugins), nbformat's
compiled schema validator, and matplotlib's mathtext parser and font lookups (by drawing one small
figure to PNG in memory). None of it is state a page could see: no shell, no random number drawn,
no figure pyplot knows of. A name an installed version lacks is skipped.
"""

from __future__ import annotations

import contextlib
import importlib
import io

MODULES = (
    "dlref_site.examples",
    "dlref_site.notebooks",
    "doctest",
    "pdb",
    "IPython.core.magics",
    "IPython.core.completer",
    "IPython.core.history",
    "IPython.core.application",
)
"""Imported here, each if it can be."""

for _name in MODULES:
    with contextlib.suppress(ImportError):
        importlib.import_module(_name)

with contextlib.suppress(ImportError):
    import nbformat.validator

    nbformat.validator.get_validator()  # the current nbformat version's, cached for the process

with contextlib.suppress(ImportError):
    import PIL.Image

    PIL.Image.preinit()


def _draw_a_figure() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2, 2))
    axes = figure.add_subplot()
    axes.plot([0, 1], [1, 0], label="line")
    axes.set(title=r"$\alpha^2$", xlabel="x")
    axes.legend()
    FigureCanvasAgg(figure).print_png(io.BytesIO())


with contextlib.suppress(ImportError):
    _draw_a_figure()
