"""``python -m dlref.forked ARGS``: ``python ARGS`` in a process forked from a warm server.

See [`dlref.forkserver.main`][dlref.forkserver.main]: with ``-c CODE`` or ``-m MODULE``, the program
runs in a process forked from the server in ``$DLREF_FORK_SERVER`` (torch already imported), with
this process's folder, environment and standard streams; this process exits with its status.
"""

import sys

from dlref.forkserver import main

if __name__ == "__main__":
    sys.exit(main())
