"""dlref's machinery: it runs every page, notebook and docstring example, checks each output, and
plugs into MkDocs and pytest. It imports the library (``dlref``); the library never imports it.

A page travels one way: ``examples.parse`` (the one parser) → ``runner.Runner`` (cache, then a
fresh process from the warm ``forkserver``) → ``examples.run`` and ``check`` → an ``Outcome`` →
``mkdocs_plugin`` renders it, ``pytest_plugin`` reports it, ``update`` writes it back.
"""
