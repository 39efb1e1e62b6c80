"""Work every page's and notebook's process would otherwise repeat, done once in the fork server.

[`dlref.runner`][dlref.runner]'s fork server imports this module after the libraries it preloads;
each process forked from it then starts with:

* nbformat's JSON-schema validator compiled (fastjsonschema writes and compiles Python for it:
  about 80 ms), which jupytext's reader and nbformat's writer use in every notebook's process;
* the modules such a process imports after the fork: the engine (with doctest and pdb), the page
  notebook builder, IPython's magics (a page notebook's ``%config`` loads them all), the completer
  and history (sqlite3) that an IPython shell loads, and PIL's image plugins, which saving the
  first figure as PNG registers.

A five-line notebook with a figure, run in a forked process: 0.27 s of CPU without this, 0.20 s with.
Nothing here is state a page could see: no shell, no figure, no random number drawn. A name missing
from an installed version is skipped, as the fork server skips a preload module it cannot import.
"""

from __future__ import annotations

import contextlib
import importlib

MODULES = (
    "dlref.engine",
    "dlref.publish.notebook",
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
