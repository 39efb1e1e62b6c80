"""Work every page's and notebook's process would otherwise repeat, done once in the fork server.

[`dlref_site.runner`][dlref_site.runner]'s fork server imports this module after the libraries it preloads;
each process forked from it then starts with:

* nbformat's JSON-schema validator compiled (fastjsonschema writes and compiles Python for it:
  about 80 ms), which jupytext's reader and nbformat's writer use in every notebook's process;
* the modules such a process imports after the fork: the engine (with doctest and pdb), the page
  notebook builder, IPython's magics (a page notebook's ``%config`` loads them all), the completer
  and history (sqlite3) that an IPython shell loads, and PIL's image plugins, which saving the
  first figure as PNG registers;
* matplotlib's mathtext parser (a pyparsing grammar, built for the class on first use) and its
  font lookups, by drawing one small figure with a ``$...$`` title to PNG in memory: 0.35-0.5 s of
  CPU less over the site's 8 notebooks, each of which had built the parser for its own figures.

A five-line notebook with a figure, run in a forked process: 0.27 s of CPU without this, 0.20 s with.
Nothing here is state a page could see: no shell, no random number drawn, and no figure that pyplot
knows of (its figure numbers start at 1 in every page, as before); what the drawing leaves is
matplotlib's caches, whose contents depend only on what they are asked. A name missing from an
installed version is skipped, as the fork server skips a preload module it cannot import.
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
