"""pytest checks every page, notebook and docstring with dlref's machinery (``dlref_site.pytest_plugin``)."""

pytest_plugins = ["dlref_site.pytest_plugin"]
