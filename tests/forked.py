"""``python tests/forked.py ARGS``: ``python ARGS`` in a process forked from the run's warm server.

See ``programs.main``. A script of its own, so that the functions it sends to the server are
importable by name (``programs._program``), not ``__main__``'s.
"""

import sys

from programs import main

if __name__ == "__main__":
    sys.exit(main())
