"""``python -m dlref_site.forked ARGS``: ``python ARGS`` in a process forked from the warm server.

See [`dlref_site.programs.main`][dlref_site.programs.main]. A module of its own, so that
``python -m`` runs it while the functions it sends to the server are importable by name.
"""

import sys

from dlref_site.programs import main

if __name__ == "__main__":
    sys.exit(main())
