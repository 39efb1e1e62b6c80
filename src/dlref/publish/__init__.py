"""What the site build does to pages besides running them (called by ``dlref.mkdocs_plugin``).

* ``dlref.publish.html``: notebook pages made light (shared styles served once, images as files,
  Material's code blocks and copy buttons, usable heading anchors, no CDN scripts), and ``pycon``
  output lines marked so that the copy button copies only code;
* ``dlref.publish.notebook``: a reference page converted to a Jupyter notebook that readers download
  and run.
"""
