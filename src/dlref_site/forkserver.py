r"""A fork server that every process of a run can share: fresh processes in milliseconds.

One server imports the heavy libraries once, then forks a process for each
[`call`][dlref_site.forkserver.call], which runs the function as a process the caller had just
started would, sends the result back and exits. Unlike ``multiprocessing``'s ``forkserver``, its
address is handed on (``$DLREF_FORK_SERVER``), so pytest's workers and the site build share one;
and it carries a *tag*, the [`fingerprint`][dlref_site.cache.fingerprint] of what it imported, so
that [`start`][dlref_site.forkserver.start] replaces a server whose code is older than the
caller's. It listens on a Unix socket only its user can open, and exits with its starter.

Examples:
    >>> import os
    >>> call(os.getpid) != os.getpid(), call(divmod, 7, 2)
    (True, (3, 1))
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import importlib
import os
import pickle
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

__all__ = ["ENV_VAR", "Crashed", "address", "call", "freeze_at_exit", "start", "stop"]

ENV_VAR = "DLREF_FORK_SERVER"
"""``TAG@PATH``: the tag and the Unix socket of a running server to use instead of starting one."""

_LENGTH = struct.Struct("!Q")  # each message: its length, then the pickle
_T = TypeVar("_T")


class Crashed(RuntimeError):
    """The forked process ended without sending a result (killed, a segfault, ``os._exit``)."""


# --------------------------------------------------------------------------------------------------
# The caller's side

_lock = threading.Lock()
_own: dict[str, Any] = {}  # the server this process started: address, process, folder, pipe end, tag
_registered: list = []  # stop() registered with atexit, once


def start(preload: Iterable[str] = (), share: bool = False, tag: str = "") -> str:
    """Use a server tagged ``tag`` that imports ``preload`` (module names, in order); return its address.

    The server in use (this process's own, or the one in ``$DLREF_FORK_SERVER``) is kept when its
    tag is ``tag``; otherwise this process starts its own, and stops its former one. Returns at once:
    the server imports while the caller goes on, and a first call waits for it. With ``share``,
    ``$DLREF_FORK_SERVER`` names it, so processes started from now on use it too. A module that
    cannot be imported is skipped, as ``multiprocessing``'s fork server does.
    """
    with _lock:
        given_tag, _, given = os.environ.get(ENV_VAR, "").partition("@")
        if _own and _own["tag"] == tag:
            found = _own["address"]
        elif given and given_tag == tag and not _own:
            return given  # if it has gone, the first call starts one of this process's own (_connect)
        else:
            _stop_own_unlocked()
            found = _start_unlocked(list(preload), tag)
        if share:
            os.environ[ENV_VAR] = f"{tag}@{found}"
        return found


def stop() -> None:
    """Stop this process's own server, if it has one (the next call starts a new one)."""
    with _lock:
        _stop_own_unlocked()


def address() -> str | None:
    """The address of the server calls go to now, or ``None`` before one is started or given."""
    return _own.get("address") or os.environ.get(ENV_VAR, "").partition("@")[2] or None


@functools.cache  # once per process
def freeze_at_exit() -> None:
    """Have this process's exit skip collecting what it made (``gc.freeze`` at exit), as the server
    freezes what it imported: Python's final collections walked everything a build made, alone on
    one core. Nothing changes before the exit.
    """
    atexit.register(gc.freeze)


def call(
    function: Callable[..., _T],
    *args: object,
    preload: Iterable[str] = (),
    started: Callable[[int], object] | None = None,
    stdin: bool = False,
    tag: str = "",
) -> _T:
    """Run ``function(*args)`` in a process forked from the server; return what it returns.

    The process starts as one this process started would: its working directory, ``sys.path``,
    environment, stdout and stderr; its stdin is empty unless ``stdin``. The function, arguments and
    result are pickled. ``started`` gets the new process's id at once. Without a server, one is
    started with ``preload`` and ``tag``.

    Raises:
        Crashed: the process ended without a result.
        RuntimeError: ``function`` raised; the message is its traceback, as the process printed it.
    """
    request = pickle.dumps((function, args))
    preparation = pickle.dumps({"cwd": os.getcwd(), "path": list(sys.path), "env": dict(os.environ)})
    with _connect(preload, tag) as connection:
        try:
            pid = _LENGTH.unpack(_exactly(connection, _LENGTH.size))[0]
        except EOFError:
            raise Crashed("the fork server closed the connection before forking") from None
        if started is not None:
            started(pid)
        try:
            socket.send_fds(connection, [b"\0"], [1, 2, 0] if stdin else [1, 2])
            _send(connection, preparation)
            _send(connection, request)
            ok, value = pickle.loads(_receive(connection))
        except (EOFError, ConnectionError) as error:
            raise Crashed(f"process {pid} ended without a result") from error
    if not ok:
        raise RuntimeError(value)
    return value


def _connect(preload: Iterable[str], tag: str) -> socket.socket:
    """A connection to the server in use, starting one if there is none (or the given one is gone)."""
    for attempt in range(2):
        where = address() or start(preload, tag=tag)
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(where)
            return connection
        except (FileNotFoundError, ConnectionRefusedError):
            connection.close()
            if attempt:
                raise
            with _lock:  # gone: a server given by a process that has exited, or ours that died
                if _own.get("address") == where:
                    _stop_own_unlocked()
                elif os.environ.get(ENV_VAR, "").endswith(f"@{where}"):
                    del os.environ[ENV_VAR]
    raise AssertionError("unreachable")


def _start_unlocked(preload: list[str], tag: str) -> str:
    folder = tempfile.mkdtemp(prefix="dlref-forkserver-")  # mode 0700: only this user can connect
    where = os.path.join(folder, "socket")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(where)
    listener.listen(128)  # calls made before the server has imported wait here
    alive_read, alive_write = os.pipe()  # the server stops when this process's end closes
    arguments = f"{listener.fileno()}, {alive_read}, {preload!r}, {sys.path!r}"
    code = f"from dlref_site.forkserver import _serve; _serve({arguments})"
    process = subprocess.Popen(
        [sys.executable, "-c", code], pass_fds=(listener.fileno(), alive_read), stdin=subprocess.DEVNULL
    )
    listener.close()  # only the server listens: if it dies, connecting fails instead of waiting
    os.close(alive_read)
    if not _registered:
        _registered.append(atexit.register(stop))
    _own.update(address=where, process=process, folder=folder, alive=alive_write, tag=tag)
    return where


def _stop_own_unlocked() -> None:
    if not _own:
        return
    os.close(_own["alive"])
    with contextlib.suppress(subprocess.TimeoutExpired):
        _own["process"].wait(5)
    shutil.rmtree(_own["folder"], ignore_errors=True)
    if os.environ.get(ENV_VAR, "").endswith(f"@{_own['address']}"):
        del os.environ[ENV_VAR]
    _own.clear()


def _send(connection: socket.socket, data: bytes) -> None:
    connection.sendall(_LENGTH.pack(len(data)) + data)


def _receive(connection: socket.socket) -> bytes:
    (length,) = _LENGTH.unpack(_exactly(connection, _LENGTH.size))
    return _exactly(connection, length)


def _exactly(connection: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = connection.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError(f"connection closed {size - left} bytes into a {size}-byte message")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# --------------------------------------------------------------------------------------------------
# The server's side


def _serve(listener_fd: int, alive_fd: int, preload: list[str], path: list[str]) -> None:
    """The server: import ``preload``, then fork a process for each connection until told to stop."""
    sys.path[:] = path
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the calls' processes, not the server
    # Importing makes objects that live as long as the process, hundreds of thousands of them: the
    # garbage collector's full passes over them while importing found almost nothing and cost a
    # quarter of the import time. Frozen afterwards, they are skipped by every collection of every
    # forked process too (a full one cost 0.3 s over them), and those passes no longer write to the
    # pages each process shares with the server.
    gc.disable()
    for name in preload:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    gc.freeze()
    gc.enable()
    listener = socket.socket(fileno=listener_fd)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the forked processes
    with selectors.DefaultSelector() as selector:
        selector.register(listener, selectors.EVENT_READ)
        selector.register(alive_fd, selectors.EVENT_READ)
        while True:
            ready = [key.fileobj for key, _ in selector.select()]
            if alive_fd in ready:  # the process that started the server has exited
                os._exit(0)  # at once: tearing down torch and the rest took seconds, which it waited for
            try:
                connection, _ = listener.accept()
            except OSError:  # a caller that gave up before it was accepted
                continue
            if os.fork() == 0:
                code = 1
                try:
                    selector.close()
                    listener.close()
                    os.close(alive_fd)
                    code = _child(connection)
                finally:
                    os._exit(code)  # never back into the server's loop
            connection.close()


def _child(connection: socket.socket) -> int:
    """A forked process: become the caller's process, run its function, send the result back."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # its own subprocesses report their exit status
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        connection.sendall(_LENGTH.pack(os.getpid()))
        _, fds, _, _ = socket.recv_fds(connection, 1, 3)
        if len(fds) not in (2, 3):
            return 1  # a caller gone
        for fd, target in zip(fds, (1, 2, 0)[: len(fds)], strict=True):
            os.dup2(fd, target)
            os.close(fd)
        if len(fds) == 3:  # the caller's stdin, read afresh (nothing of the server's buffer)
            sys.stdin = open(0, encoding=sys.stdin.encoding, errors=sys.stdin.errors, closefd=False)  # noqa: SIM115
        preparation = pickle.loads(_receive(connection))
        os.environ.clear()
        os.environ.update(preparation["env"])
        sys.path[:] = preparation["path"]
        os.chdir(preparation["cwd"])
        request = _receive(connection)
    except (EOFError, OSError):
        return 1
    try:
        function, args = pickle.loads(request)  # after sys.path: it may name the caller's modules
        reply = pickle.dumps((True, function(*args)))
    except BaseException as error:  # the caller raises it as a RuntimeError with this traceback
        reply = pickle.dumps((False, "".join(traceback.format_exception(error))))
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    with contextlib.suppress(OSError):  # the caller has gone: nobody waits for this result
        _send(connection, reply)
    return 0
