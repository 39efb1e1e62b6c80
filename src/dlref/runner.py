r"""Run pages, notebooks and docstrings once: each in a fresh process, in parallel, with a cache.

The site build and pytest both need every page executed; this module makes that cost the page code
itself and little more:

* **Fresh processes without start-up cost.** A *fork server* imports torch, NumPy, matplotlib and
  IPython once; every page, notebook or docstring batch then runs in a new process forked from it
  ([`dlref.forkserver`][dlref.forkserver], one task per process), so each starts from a clean
  interpreter state in a few milliseconds instead of seconds. As many run at once as the machine
  has cores (``DLREF_JOBS`` overrides). A server started with ``share=True`` (the test run's) serves
  the processes started after it too.
* **Notebooks without a kernel.** [`execute_notebook`][dlref.runner.execute_notebook] runs a jupytext
  notebook's cells in an IPython shell inside that process and records the same outputs a Jupyter
  kernel sends (streams, ``execute_result`` with every MIME type, inline matplotlib figures as PNG
  ``display_data``, errors), so mkdocs-jupyter renders the executed notebook without executing it.
* **A cache that cannot serve stale outputs.** A result is stored under a key made of the page's own
  text, every source file of ``dlref``, the torch version and every other installed distribution's
  version, the Python version and the device. Changing any of them re-executes; nothing else does.
  Only passing results are stored. The cache lives in ``.cache/dlref/`` (ignored by git), is safe
  to delete, and is bypassed with ``DLREF_CACHE=0``.

Examples:
    >>> import os, pathlib, tempfile
    >>> from unittest import mock
    >>> folder = tempfile.TemporaryDirectory()
    >>> with mock.patch.dict(os.environ, {CACHE_ENV_VAR: "1"}):  # on, as by default, even under DLREF_CACHE=0
    ...     cache = Cache(pathlib.Path(folder.name))
    >>> key = cache.key("page", "docs/demo.md", "```pycon\n>>> 1 + 1\n2\n```\n")
    >>> cache.get(key) is None
    True
    >>> cache.put(key, Outcome(passed=True, shown="```pycon\n>>> 1 + 1\n2\n```\n"))
    >>> cache.get(key).passed
    True
    >>> key == cache.key("page", "docs/demo.md", "```pycon\n>>> 1 + 2\n3\n```\n")
    False
    >>> folder.cleanup()
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import functools
import hashlib
import importlib
import importlib.metadata
import json
import os
import pkgutil
import queue
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dlref import forkserver

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = [
    "CACHE_DIR_ENV_VAR",
    "CACHE_ENV_VAR",
    "DOCSTRINGS",
    "JOBS_ENV_VAR",
    "Cache",
    "Outcome",
    "cache_directory",
    "check_docstrings",
    "execute_notebook",
    "expect",
    "run_markdown_page",
    "run_notebook_page",
    "run_script",
    "start_server",
    "submit",
]

CACHE_ENV_VAR = "DLREF_CACHE"
"""Set to ``0`` to neither read nor write the execution cache."""
CACHE_DIR_ENV_VAR = "DLREF_CACHE_DIR"
"""Where to keep the cache instead of ``.cache/dlref/`` in the project (CI may keep it between runs)."""
JOBS_ENV_VAR = "DLREF_JOBS"
"""How many pages may run at once (default: the number of CPU cores)."""
DOCSTRINGS = "dlref docstrings"
"""The name, in the cache and the build's log, of the run of every docstring's examples (``check_docstrings``)."""

_FORMAT = 3  # bump when the stored layout changes
_PRELOAD = [
    "numpy",
    "torch",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "matplotlib_inline.backend_inline",
    "IPython.core.interactiveshell",
    "jupytext",
    "nbformat",
    "dlref._preload",  # what each forked process would otherwise do for itself (after the above)
]


@dataclass
class Outcome:
    """What running one page, notebook or set of docstrings produced.

    Attributes:
        passed: every example showed what the page shows / every cell ran.
        report: why not, naming ``file:line`` (empty when ``passed``).
        shown: for a page, its Markdown with the outputs of this run; for a notebook, the executed
            notebook as nbformat JSON; unused for docstrings.
    """

    passed: bool
    report: str = ""
    shown: str = ""


# --------------------------------------------------------------------------------------------------
# The cache


def _source_fingerprint(package: Path | None = None) -> str:
    """A hash of every file of the ``dlref`` package (or of ``package``) as it is on disk now."""
    package = package or Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _environment_fingerprint(device: str) -> str:
    """Python, the device, and the version of every installed distribution (torch among them)."""
    parts = [f"format={_FORMAT}", sys.version, sys.platform, f"device={device}", *_distributions()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _distributions() -> tuple[str, ...]:
    """``name==version`` of every installed distribution, sorted.

    Reading them parses every distribution's metadata (about 0.05 s), and a build or a test run
    makes several caches. The list is kept for as long as no folder of ``sys.path`` changes:
    installing, upgrading or removing a distribution adds or removes its ``.dist-info`` folder,
    which changes the modification time of the folder that holds it (``mkdocs serve`` notices).
    """
    stamps = []
    for folder in sys.path:
        with contextlib.suppress(OSError):  # not there (now)
            stamps.append((folder, os.stat(folder).st_mtime_ns))
    return _read_distributions(tuple(stamps))


@functools.lru_cache(maxsize=1)
def _read_distributions(folders: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    """What [`_distributions`][dlref.runner._distributions] returns while ``folders`` are as given."""
    metadata = [d.metadata for d in importlib.metadata.distributions()]  # parsed once each
    return tuple(sorted(f"{m['Name']}=={m['Version']}".lower() for m in metadata if m["Name"]))


def cache_directory(project: Path) -> Path:
    """Where ``project``'s cache lives: ``$DLREF_CACHE_DIR`` if set, else ``project/.cache/dlref``."""
    return Path(os.environ.get(CACHE_DIR_ENV_VAR) or project / ".cache" / "dlref")


class Cache:
    """Passing outcomes on disk, one JSON file per key; safe to delete at any time.

    Args:
        directory: where to keep them; ``None`` (or ``DLREF_CACHE=0`` in the environment) turns the
            cache off, so every lookup misses and nothing is written.
        device: the device pages run on (part of every key); default: ``dlref.device.default_device()``.
    """

    def __init__(self, directory: Path | None, device: str | None = None) -> None:
        if os.environ.get(CACHE_ENV_VAR, "1").strip().lower() in ("0", "false", "no", "off"):
            directory = None
        self.directory = directory
        if device is None:
            from dlref.device import default_device

            device = str(default_device())
        self._prefix = _environment_fingerprint(device) + _source_fingerprint()

    def key(self, kind: str, name: str, text: str) -> str:
        """The key of running ``text`` (a page, a notebook; empty for docstrings) known as ``name``."""
        return hashlib.sha256(f"{self._prefix}\0{kind}\0{name}\0{text}".encode()).hexdigest()

    def _path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{key}.json"

    def get(self, key: str) -> Outcome | None:
        """The stored outcome, or ``None``."""
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            outcome = Outcome(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None  # unreadable or half-written by an older version: run again
        os.utime(path)  # recently used: kept by prune()
        return outcome

    def put(self, key: str, outcome: Outcome) -> None:
        """Store a passing outcome (atomically; failures are never stored)."""
        path = self._path(key)
        if path is None or not outcome.passed:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(asdict(outcome)), encoding="utf-8")
        os.replace(partial, path)

    def prune(self, max_age_days: float = 14) -> None:
        """Delete entries not used for ``max_age_days``."""
        if self.directory is None or not self.directory.is_dir():
            return
        limit = time.time() - max_age_days * 86400
        for path in self.directory.glob("*.json"):
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------------
# Fresh processes from a warm fork server

_QUEUE: queue.SimpleQueue | None = None  # (future, task, args) waiting for one of _jobs() launchers
_RUNNING: set[int] = set()  # the process ids of the runs under way


def _jobs() -> int:
    value = os.environ.get(JOBS_ENV_VAR, "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"{JOBS_ENV_VAR}={value!r}: expected a positive whole number of processes")
        return int(value)
    return os.cpu_count() or 1


def _queue() -> queue.SimpleQueue:
    """The runs waiting to start, taken in order by ``_jobs()`` launcher threads.

    Each launcher starts one run's process and waits for it. The threads are daemons and the runs
    still under way are stopped at exit, so a process that exits early (a build stopped by a failing
    page) neither waits for the runs it no longer needs nor leaves them running.
    """
    global _QUEUE
    if _QUEUE is None:
        _QUEUE = queue.SimpleQueue()
        atexit.register(_stop_running)
        for number in range(_jobs()):
            threading.Thread(target=_launch, args=(_QUEUE,), daemon=True, name=f"dlref-runner-{number}").start()
    return _QUEUE


def _stop_running() -> None:
    for pid in list(_RUNNING):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def _launch(waiting: queue.SimpleQueue) -> None:
    while True:
        future, task, args = waiting.get()
        if not future.set_running_or_notify_cancel():
            continue
        try:
            future.set_result(_run_in_new_process(task, args))
        except BaseException as error:  # reported to whoever waits for the future
            future.set_exception(error)


# Imported by most pages' processes (torch.optim, DistributedDataParallel and FlopCounterMode pull in
# torch._dynamo, and with it sympy): 1.5-2 s in each process that needs them, or once in the server.
_PRELOAD_FOR_MANY = ["torch._dynamo", "sympy"]
_many = False


def expect(tasks: int) -> None:
    """Say how many tasks are about to be submitted, before the first one.

    For several (4 or more), the fork server also imports torch._dynamo and sympy, once, instead of
    each page's process importing them (about 12 s of CPU saved over the project's pages); for one
    or two (a rebuild after editing a page), it starts 1.5 s sooner without them. No effect once
    the server has started.
    """
    global _many
    _many = _many or tasks >= 4


def _preload() -> list[str]:
    return _PRELOAD + (_PRELOAD_FOR_MANY if _many else [])


def start_server(many: bool = False, share: bool = False) -> None:
    """Start the fork server now instead of at the first ``submit``; ``many``: as ``expect(4)``.

    The server imports torch and the rest (seconds), which is what the first run waits for; started
    early, it does that while the caller goes on. With ``share``, the processes this one starts from
    now on (pytest's workers, a site build) use it too instead of starting their own
    (``$DLREF_FORK_SERVER``). Nothing is started if this process already uses a server.
    """
    if many:
        expect(4)
    forkserver.start(_preload(), share=share)


def submit(task: Callable[..., Outcome], *args: object) -> Future[Outcome]:
    """Run ``task(*args)`` in a fresh process forked from the warm server; return its future.

    Each task gets a process of its own, which ends with it. The future always ends in an
    [`Outcome`][dlref.runner.Outcome]: a process that dies without one (a segfault or SIGFPE inside
    torch; the fault handler prints where) fails only its own task, with a report saying so.
    """
    future: Future[Outcome] = Future()
    _queue().put((future, task, args))
    return future


def _run_in_new_process(task: Callable[..., Outcome], args: tuple[object, ...]) -> Outcome:
    # One process per task, not a ProcessPoolExecutor with max_tasks_per_child=1: Python 3.11's
    # executor can lose a task while it replaces a finished worker, and the caller waits forever.
    pids: list[int] = []

    def started(pid: int) -> None:
        pids.append(pid)
        _RUNNING.add(pid)

    try:
        outcome = forkserver.call(_in_fresh_process, task, *args, preload=_preload(), started=started)
    except forkserver.Crashed:
        outcome = None
    except RuntimeError as error:  # the task let through what _in_fresh_process does not catch (SystemExit)
        return Outcome(False, f"{_name(task, args)}: {error}")
    finally:
        _RUNNING.difference_update(pids)
    if not isinstance(outcome, Outcome):
        return Outcome(False, f"{_name(task, args)}: the process running it crashed (see the fault dump above)")
    return outcome


def _name(task: Callable[..., Outcome], args: tuple[object, ...]) -> str:
    return str(args[0]) if args else task.__name__


def _share_cores(processes: int) -> None:
    """Give torch this process's share of the cores when ``processes`` run at once.

    torch uses every core by default; two processes doing that on two cores make small operations
    many times slower (their threads wait on each other) for no gain. Results stay within the
    checker's tolerance: only how a large reduction is split between threads can change.
    """
    if processes > 1:
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 1) // processes))


def _in_fresh_process(task: Callable[..., Outcome], *args: object) -> Outcome:
    # A forked child shares its parent's NumPy generator state: draw a new seed, as a new interpreter
    # would (torch's is re-seeded by the engine; Python's random module re-seeds itself after fork).
    import faulthandler

    import numpy as np

    faulthandler.enable()  # a crash prints the page's line (examples are compiled at it)
    np.random.seed()
    _share_cores(_jobs())
    try:
        return task(*args)
    except Exception as error:
        import traceback

        return Outcome(False, f"{_name(task, args)}: {''.join(traceback.format_exception(error))}")


# --------------------------------------------------------------------------------------------------
# Tasks (each runs in its own fresh process when submitted)


def run_markdown_page(path: str, text: str) -> Outcome:
    """Run a Markdown page's examples; the outcome's ``shown`` is the page with this run's outputs."""
    from dlref.engine import rewrite_outputs, run_markdown

    run = run_markdown(text, path)
    if not run.passed:
        return Outcome(False, run.report())
    shown, _ = rewrite_outputs(text, run, only_failures=False)
    return Outcome(True, shown=shown)


def run_notebook_page(path: str, allow_errors: bool = False) -> Outcome:
    """Execute a notebook; the outcome's ``shown`` is the executed notebook (nbformat JSON).

    A cell that raises fails the outcome, unless ``allow_errors`` (see
    [`execute_notebook`][dlref.runner.execute_notebook]): then every cell runs and the outcome
    passes, its errors recorded as outputs.
    """
    import nbformat

    notebook, error = execute_notebook(Path(path), allow_errors=allow_errors)
    if error is not None and not allow_errors:
        return Outcome(False, f"{path}: a cell raised\n{error}")
    return Outcome(True, shown=nbformat.writes(notebook))


def run_script(name: str, code: str, cwd: str) -> Outcome:
    """Run Python source as ``python -`` would, in ``cwd``: as ``__main__``, with fresh globals.

    The outcome fails with the traceback (its frames named ``name``) when the code raises, or exits
    with a status other than 0. Used to check that code a reader copies from a page runs on its own.
    """
    import traceback

    os.chdir(cwd)
    try:
        exec(compile(code, name, "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
    except SystemExit as stop:
        if stop.code not in (None, 0):
            return Outcome(False, f"{name}: exited with status {stop.code!r}")
    except BaseException as error:  # whatever the code raises is its failure, reported
        return Outcome(False, "".join(traceback.format_exception(error)))
    return Outcome(True)


def check_docstrings() -> Outcome:
    """Run the docstring examples of every ``dlref`` module (the API reference shows them)."""
    import dlref
    from dlref.engine import run_docstrings

    failures = []
    for info in pkgutil.walk_packages(dlref.__path__, "dlref."):
        module = importlib.import_module(info.name)
        failures += [run.report() for run in run_docstrings(module) if not run.passed]
    return Outcome(not failures, "\n\n".join(failures))


# --------------------------------------------------------------------------------------------------
# Notebooks without a kernel

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def execute_notebook(path: Path, allow_errors: bool = False) -> tuple[NotebookNode, str | None]:
    """Run a notebook's code cells in order in an IPython shell in this process, recording outputs.

    The outputs are those a Jupyter kernel would send: ``stream`` (stdout, stderr), ``execute_result``
    and ``display_data`` with every MIME type IPython's formatters give (a DataFrame's HTML, a
    figure's PNG), and ``error``. Figures are shown inline as in Jupyter (``%matplotlib inline``).
    The working directory is the notebook's. Execution stops at the first cell that raises, unless
    ``allow_errors``: then, as with nbclient's ``allow_errors``, the cell's ``error`` output is
    recorded and the next cell runs (a page's notebook shows expected exceptions this way); its
    traceback is then IPython's "Plain" one, the frames as Python prints them, where a kernel's
    default "Context" adds the source around each frame at several times the cost.

    Meant to run in a fresh process (see [`submit`][dlref.runner.submit]): the shell is a process-wide
    singleton, and the notebook may change global state.

    Args:
        path: a jupytext notebook (``.py`` percent format) or an ``.ipynb``.
        allow_errors: go on after a cell that raises.

    Returns:
        The executed notebook, and ``None`` or the (first) failing cell's source and traceback.
    """
    import jupytext
    import nbformat
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    if Path(path).suffix == ".ipynb":
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
        # a v4 notebook as written (nbformat.reads would also validate it, about 0.1 s); others converted
        notebook = nbformat.v4.to_notebook(data) if data.get("nbformat") == 4 else nbformat.reads(text, as_version=4)
    else:
        from dlref.publish.notebook import stable_cell_ids

        notebook = stable_cell_ids(jupytext.read(path))  # jupytext made up random cell ids
    outputs: list = []

    def new_output(output_type: str, **fields: object):
        # as nbformat.v4.new_output makes it, without validating each one: writing the notebook does
        return nbformat.from_dict({"output_type": output_type, **fields})

    def mime_bundle(data: dict) -> dict:
        return {k: base64.b64encode(v).decode() if isinstance(v, bytes) else v for k, v in data.items()}

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            outputs.append(new_output("display_data", data=mime_bundle(data), metadata=metadata or {}))

        def clear_output(self, wait=False):
            outputs.clear()

    class Hook(DisplayHook):
        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            result = new_output(
                "execute_result", data=mime_bundle(format_dict), metadata=md_dict or {}, execution_count=count
            )
            outputs.append(result)

        def finish_displayhook(self):
            pass

    class Stream:
        def __init__(self, name: str) -> None:
            self.name = name

        def write(self, text: str) -> int:
            if outputs and outputs[-1].get("output_type") == "stream" and outputs[-1]["name"] == self.name:
                outputs[-1]["text"] += text
            elif text:
                outputs.append(new_output("stream", name=self.name, text=text))
            return len(text)

        def flush(self) -> None:
            pass

        def isatty(self) -> bool:
            return False

        encoding = "utf-8"

    class Shell(InteractiveShell):
        def enable_gui(self, gui=None):  # inline figures need no event loop, as in ipykernel
            pass

    error: str | None = None
    first_error: str | None = None
    # No history database: a shell keeps each cell in the user's ~/.ipython history.sqlite (every
    # page of every build, tens of MB, mixed into the reader's own history), at 0.05 s per
    # notebook. `In`, `Out` and `_` are kept in memory as before.
    config = Config()
    config.HistoryManager.enabled = False
    shell = Shell.instance(display_pub_class=Publisher, displayhook_class=Hook, colors="nocolor", config=config)

    def record_error(etype, evalue, stb):
        nonlocal error
        outputs.append(new_output("error", ename=etype.__name__, evalue=str(evalue), traceback=stb))
        error = _ANSI.sub("", "\n".join(stb))

    shell._showtraceback = record_error
    if allow_errors:
        # Errors are expected here (a page's pitfalls), and a kernel's default "Context" traceback,
        # which reads and parses the source around every frame (torch's long files included), was
        # 80% of such a notebook's run (py-spy). "Plain" prints the same frames as Python does; the
        # error's name and message, which the checks compare, do not change.
        shell.InteractiveTB.set_mode("Plain")
    shell.enable_matplotlib("inline")
    # pyplot's after-cell hook draws each changed figure for a window to show; inline there is none,
    # so that drawing was thrown away, then the inline backend's hook rendered the figure again for
    # its PNG. Without pyplot's hook: the same PNGs, byte for byte (a kernel's too), and 0.16-0.24 s
    # less CPU over the site's 8 notebooks (three alternating runs).
    import matplotlib.pyplot

    matplotlib.pyplot.uninstall_repl_displayhook()
    # `%config PlainTextFormatter.pprint = False` (a page notebook's first cell) reaches the formatter
    # in a kernel; here `%config` updates only the shell's own configurables, so add it to them.
    shell.configurables.append(shell.display_formatter.formatters["text/plain"])
    from dlref.engine import _fresh_process_state

    _fresh_process_state()
    os.chdir(path.parent)
    saved = sys.stdout, sys.stderr
    count = 0
    try:
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            count += 1
            outputs = cell.outputs = []
            sys.stdout, sys.stderr = Stream("stdout"), Stream("stderr")
            try:
                shell.run_cell(cell.source, store_history=True)
            finally:
                sys.stdout, sys.stderr = saved
            cell.execution_count = count
            for output in cell.outputs:
                if output.get("output_type") == "execute_result":
                    output["execution_count"] = count
            if error is not None and first_error is None:
                first_error = f"{path}, cell {count}:\n{cell.source}\n\n{error}"
                if not allow_errors:
                    break
            error = None
    finally:
        sys.stdout, sys.stderr = saved
    return notebook, first_error
