r"""A fork server that every process of a run can share: fresh processes in milliseconds.

One *server* imports the heavy libraries once (torch, pandas, matplotlib, IPython: seconds), then
forks a new process for each call it gets. Any process that knows the server's address can use it:
[`call`][dlref.forkserver.call] sends a function and its arguments, the forked process runs it as a
process the caller had just started would (the caller's working directory, ``sys.path``, environment,
stdout and stderr) and sends the result back; then it exits.

``multiprocessing``'s ``forkserver`` does much the same, but its server belongs to the process that
started it. Here the address is handed on in ``$DLREF_FORK_SERVER``, so a process that starts a server
with ``share=True`` lends it to every process started after that: pytest's worker processes and the
site build they start import the libraries once in all, not once each (4-6 s of CPU apiece).

The server listens on a Unix socket in a folder only its user can open (a request is a pickle, so
whoever can connect can run code as that user), and exits when the process that started it exits.

Two ways to start a whole program in such a process, as if from a new interpreter:
[`run_module`][dlref.forkserver.run_module] runs ``python -m module args`` and returns its status
and output, and ``python -m dlref.forked -c CODE`` is a ``python -c`` whose code runs in a forked
process with this one's standard input, output and error (see [`main`][dlref.forkserver.main]):
pytest-xdist starts its workers that way when the test run shares a server (``tests/conftest.py``).

Examples:
    >>> import os
    >>> call(os.getpid) != os.getpid()  # a new process each time
    True
    >>> call(divmod, 7, 2)
    (3, 1)
    >>> call(os.getcwd) == os.getcwd()  # started as by this process: its folder, paths and environment
    True
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
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

__all__ = ["ENV_VAR", "Crashed", "address", "call", "freeze_at_exit", "main", "run_module", "start"]

ENV_VAR = "DLREF_FORK_SERVER"
"""The address (a Unix socket's path) of a running server to use instead of starting one."""

_LENGTH = struct.Struct("!Q")  # each message: its length, then the pickle
_T = TypeVar("_T")


class Crashed(RuntimeError):
    """The forked process ended without sending a result (killed, a segfault, ``os._exit``)."""


# --------------------------------------------------------------------------------------------------
# The caller's side

_lock = threading.Lock()
_own: dict[str, Any] = {}  # the server this process started: address, process, folder, its end of the pipe


def start(preload: Iterable[str] = (), share: bool = False) -> str:
    """Start a server that imports ``preload`` (module names, in order); return its address.

    Returns at once: the server imports while the caller goes on, and a first call waits for it.
    Nothing is started when this process already uses a server, its own or one given in
    ``$DLREF_FORK_SERVER``. With ``share``, ``$DLREF_FORK_SERVER`` is set to its address, so that
    processes started from now on use it too. The server exits when this process does.

    A module that cannot be imported is skipped, as ``multiprocessing``'s fork server does.
    """
    with _lock:
        given = os.environ.get(ENV_VAR)
        if _own:
            found = _own["address"]
        elif given:
            return given  # if it has gone, the first call starts one of this process's own (_connect)
        else:
            found = _start_unlocked(list(preload))
        if share:
            os.environ[ENV_VAR] = found
        return found


def address() -> str | None:
    """The address of the server calls go to now, or ``None`` before one is started or given."""
    return _own.get("address") or os.environ.get(ENV_VAR) or None


@functools.cache  # once per process
def freeze_at_exit() -> None:
    """Have this process's exit skip collecting what it made: ``gc.freeze`` at exit.

    Python runs the cyclic garbage collector over every tracked object again as it shuts down,
    after the ``atexit`` functions: 0.3-0.4 s after a cold build of this site, and 0.16-0.18 s for
    pytest's first process after the tensor tests, the last thing each does, alone on one core;
    with everything moved to the collector's permanent generation first, 0.03 s. Objects outside
    reference cycles are still freed as the modules are cleared, their ``__del__`` run; cyclic
    garbage left at exit stays uncollected, which Python does not promise to collect at exit
    either, and the operating system takes the process's memory back. Nothing changes before the
    exit (``mkdocs serve``'s rebuilds, a test run's tests). As the server freezes what it imported.

    Examples:
        >>> freeze_at_exit()  # gc.freeze registered with atexit
        >>> freeze_at_exit()  # a second call does nothing
    """
    atexit.register(gc.freeze)


def call(
    function: Callable[..., _T],
    *args: object,
    preload: Iterable[str] = (),
    started: Callable[[int], object] | None = None,
    stdin: bool = False,
) -> _T:
    """Run ``function(*args)`` in a process forked from the server; return what it returns.

    The process starts as one this process started would: in its working directory, with its
    ``sys.path`` and environment, writing to its stdout and stderr (file descriptors 1 and 2). The
    function and arguments are pickled, so the function must be importable by name; so must the
    result. ``started`` gets the new process's id as soon as it exists (to stop it, for instance).
    Without a server, one is started with ``preload`` (see [`start`][dlref.forkserver.start]).
    With ``stdin``, it also reads this process's standard input (file descriptor 0; ``sys.stdin``
    is opened on it anew); otherwise its input is empty (``/dev/null``), so that it cannot take
    what this process reads.

    Raises:
        Crashed: the process ended without a result.
        RuntimeError: ``function`` raised; the message is its traceback, as the process printed it.
    """
    request = pickle.dumps((function, args))
    preparation = pickle.dumps({"cwd": os.getcwd(), "path": list(sys.path), "env": dict(os.environ)})
    with _connect(preload) as connection:
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


def _connect(preload: Iterable[str]) -> socket.socket:
    """A connection to the server in use, starting one if there is none (or the given one is gone)."""
    for attempt in range(2):
        where = address() or start(preload)
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
                elif os.environ.get(ENV_VAR) == where:
                    del os.environ[ENV_VAR]
    raise AssertionError("unreachable")


def _start_unlocked(preload: list[str]) -> str:
    folder = tempfile.mkdtemp(prefix="dlref-forkserver-")  # mode 0700: only this user can connect
    where = os.path.join(folder, "socket")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(where)
    listener.listen(128)  # calls made before the server has imported wait here
    alive_read, alive_write = os.pipe()  # the server stops when this process's end closes
    code = f"from dlref.forkserver import _serve; _serve({listener.fileno()}, {alive_read}, {preload!r}, {sys.path!r})"
    process = subprocess.Popen(
        [sys.executable, "-c", code], pass_fds=(listener.fileno(), alive_read), stdin=subprocess.DEVNULL
    )
    listener.close()  # only the server listens: if it dies, connecting fails instead of waiting
    os.close(alive_read)
    if not _own:
        atexit.register(_stop_own)
    _own.update(address=where, process=process, folder=folder, alive=alive_write)
    return where


def _stop_own() -> None:
    with _lock:
        _stop_own_unlocked()


def _stop_own_unlocked() -> None:
    if not _own:
        return
    os.close(_own["alive"])
    with contextlib.suppress(subprocess.TimeoutExpired):
        _own["process"].wait(5)
    shutil.rmtree(_own["folder"], ignore_errors=True)
    if os.environ.get(ENV_VAR) == _own["address"]:
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
# Whole programs in a forked process: ``python -m module`` and ``python -c code``


def run_module(
    module: str,
    args: Sequence[str] = (),
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m module *args`` in a process forked from the server, its output captured.

    What ``subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True)``
    returns, without an interpreter's start-up and the server's imports (torch's among them):
    the exit status as Python gives it (``SystemExit``'s code; 1 and the traceback on stderr for an
    uncaught exception), and everything written to stdout and stderr, by Python or by anything
    else on file descriptors 1 and 2. It runs in ``cwd`` (default: this process's) with ``env``
    (default: this process's environment), and reads an empty stdin. After ``timeout`` seconds it
    is killed and ``subprocess.TimeoutExpired`` is raised.

    Examples:
        >>> done = run_module("json.tool", ["--compact"])  # reads its empty stdin
        >>> done.returncode, done.stdout, done.stderr
        (1, '', 'Expecting value: line 1 column 1 (char 0)\\n')
        >>> run_module("platform").returncode
        0
        >>> run_module("not a module")
        Traceback (most recent call last):
          ...
        ValueError: module must be a dotted module name, not 'not a module'
    """
    if not isinstance(module, str) or not all(part.isidentifier() for part in module.split(".")):
        raise ValueError(f"module must be a dotted module name, not {module!r}")
    if isinstance(args, str) or not all(isinstance(arg, str) for arg in args):
        raise TypeError(f"args must be a sequence of str, not {args!r}")
    command = [sys.executable, "-m", module, *args]
    pid: list[int] = []
    late = threading.Event()  # the timeout has passed: the process is (or, once started, will be) killed

    def started(number: int) -> None:
        pid.append(number)
        if late.is_set():
            _kill(number)

    def time_out() -> None:
        late.set()
        if pid:
            _kill(pid[0])

    with tempfile.TemporaryDirectory(prefix="dlref-run-module-") as folder:
        out, err = os.path.join(folder, "stdout"), os.path.join(folder, "stderr")
        timer = threading.Timer(timeout, time_out) if timeout is not None else None
        if timer is not None:
            timer.start()
        try:
            code = call(
                _program,
                "module",
                module,
                list(args),
                (out, err),
                os.fspath(cwd or os.getcwd()),
                dict(os.environ if env is None else env),
                started=started,
            )
        except Crashed:
            if not late.is_set():
                raise
        finally:
            if timer is not None:
                timer.cancel()
        if late.is_set():
            raise subprocess.TimeoutExpired(command, timeout or 0)
        with (
            open(out, encoding="utf-8", errors="replace") as stdout,
            open(err, encoding="utf-8", errors="replace") as stderr,
        ):
            return subprocess.CompletedProcess(command, code, stdout.read(), stderr.read())


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dlref.forked ARGS``: ``python ARGS``, forked from the server in ``$DLREF_FORK_SERVER``.

    ``[-u] [-B] -c CODE [ARG ...]`` and ``[-u] [-B] -m MODULE [ARG ...]`` run as ``python`` would run
    them (``sys.argv``, a fresh ``__main__``, ``sys.path`` with the program's folder and
    ``$PYTHONPATH`` first, ``atexit``, the exit status), in a process forked from the server, with
    this process's working directory, environment, and standard input, output and error; so in
    milliseconds, with what the server imported (torch and the rest, in a test run). This process
    waits and exits with its status, and passes SIGTERM (and SIGINT, when that process is not in
    its process group) on to it.
    Without a given server it starts one of its own that imports nothing; other options are run by
    ``python ARGS`` itself, in a subprocess.

    pytest-xdist starts its workers this way in a test run that shares a server
    (``--tx popen//python="python -m dlref.forked"``, which ``tests/conftest.py`` sets): each
    worker used to import torch, sympy and pandas for itself, 4 s of CPU apiece.

    Examples:
        >>> run_module("dlref.forked", ["-c", "import sys; print(sys.argv); sys.exit(3)", "x"]).stdout
        "['-c', 'x']\\n"
        >>> run_module("dlref.forked", ["-c", "import sys; sys.exit(3)"]).returncode
        3
    """
    given = list(sys.argv[1:] if argv is None else argv)
    args = list(given)
    flags = set()
    while args and args[0] in ("-u", "-B"):
        flags.add(args.pop(0))
    if len(args) < 2 or args[0] not in ("-c", "-m"):
        return subprocess.call([sys.executable, *given])
    kind, target, rest = args[0][1:], args[1], args[2:]
    child: list[int] = []

    def forward(signum: int, frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):  # it may have ended already
            if child and (signum != signal.SIGINT or os.getpgid(child[0]) != os.getpgrp()):
                os.kill(child[0], signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)  # in its process group, the child has the terminal's SIGINT
    try:
        return call(
            _program,
            "code" if kind == "c" else "module",
            target,
            rest,
            None,
            os.getcwd(),
            None,
            flags,
            started=child.append,
            stdin=True,
        )
    except Crashed:
        return 1
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1


def _program(
    kind: str,
    target: str,
    args: list[str],
    outputs: tuple[str, str] | None,
    cwd: str,
    env: dict[str, str] | None,
    flags: Iterable[str] = (),
) -> int:
    """In the forked process: run ``python -c target`` or ``python -m target`` with ``args``; its status."""
    import builtins
    import runpy
    import types

    if outputs is not None:  # files to write to instead of the caller's stdout and stderr
        for path, fd in zip(outputs, (1, 2), strict=True):
            opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(opened, fd)
            os.close(opened)
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    os.chdir(cwd)
    sys.dont_write_bytecode = sys.dont_write_bytecode or "-B" in flags
    encoding = os.environ.get("PYTHONIOENCODING", "utf-8").split(":")[0] or "utf-8"
    unbuffered = "-u" in flags
    sys.stdout = open(1, "w", encoding=encoding, closefd=False, buffering=1 if unbuffered or os.isatty(1) else -1)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding=encoding, errors="backslashreplace", closefd=False, buffering=1)  # noqa: SIM115
    if unbuffered:
        sys.stdout.reconfigure(write_through=True)
        sys.stderr.reconfigure(write_through=True)
    # sys.path as Python starts it: the program's folder, then $PYTHONPATH, then the rest (the caller's)
    given = [entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry]
    first = "" if kind == "code" else os.getcwd()
    sys.path[:] = [first, *given, *(entry for entry in sys.path[1:] if entry not in given)]
    main_module = types.ModuleType("__main__")
    main_module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = main_module
    status = 0
    try:
        if kind == "code":
            sys.argv = ["-c", *args]
            exec(compile(target, "<string>", "exec"), main_module.__dict__)
        else:
            sys.argv = [target, *args]  # runpy puts the module's file first
            runpy.run_module(target, run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        if stop.code is None:
            status = 0
        elif isinstance(stop.code, int):
            status = stop.code
        else:
            print(stop.code, file=sys.stderr)
            status = 1
    except BaseException as error:  # as Python reports an uncaught exception, from the program's frame
        frames = error.__traceback__
        traceback.print_exception(error.with_traceback(frames.tb_next if frames else None))
        status = 1
    atexit._run_exitfuncs()  # as at an interpreter's exit (logging flushes its handlers, for one)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    return status


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
