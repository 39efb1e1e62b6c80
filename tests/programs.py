r"""Test programs in a process forked from the run's warm server (``dlref_site.forkserver``).

``run_module`` runs ``python -m module args`` there and returns its status and output, as
``subprocess.run`` would, without an interpreter's start-up and torch's import; ``python
tests/forked.py -c CODE`` is a ``python -c`` whose code runs there with this process's standard
streams (``main``): pytest-xdist starts its workers that way (``tests/conftest.py``), so no worker
imports torch for itself. Both serve the tests only; ``tests/machinery/test_forkserver.py`` checks them.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterable, Mapping, Sequence

from dlref_site import forkserver

__all__ = ["main", "run_module"]


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
    returns, without an interpreter's start-up and torch's import: the exit status as Python gives it,
    and what was written to file descriptors 1 and 2. It runs in ``cwd`` with ``env`` (default: this
    process's), reads an empty stdin, and after ``timeout`` seconds is killed
    (``subprocess.TimeoutExpired``).
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
            code = forkserver.call(
                _program,
                "module",
                module,
                list(args),
                (out, err),
                os.fspath(cwd or os.getcwd()),
                dict(os.environ if env is None else env),
                started=started,
            )
        except forkserver.Crashed:
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
    """``python tests/forked.py ARGS``: ``python ARGS``, forked from the server in ``$DLREF_FORK_SERVER``.

    ``[-u] [-B] -c CODE [ARG ...]`` and ``[-u] [-B] -m MODULE [ARG ...]`` run as ``python`` would run
    them (``sys.argv``, a fresh ``__main__``, ``sys.path``, ``atexit``, the exit status), with this
    process's folder, environment and standard streams, and with what the server imported. SIGTERM
    (and SIGINT, outside its process group) is passed on. Other options run in a real ``python``.
    pytest-xdist starts its workers this way (``tests/conftest.py``).
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
        return forkserver.call(
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
    except forkserver.Crashed:
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
