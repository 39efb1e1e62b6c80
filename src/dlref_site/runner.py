r"""Run pages, notebooks and docstrings: each in a fresh process, in parallel, cached by what it depends on.

The one execution path: the build, pytest, ``scripts/update-outputs`` and ``mkdocs serve`` all go
through a [`Runner`][dlref_site.runner.Runner], which looks a run up in the cache or runs it in a
new process forked from the warm server, as many at once as there are cores (``DLREF_JOBS``). The
server is tagged with the [`fingerprint`][dlref_site.cache.fingerprint] it was started under; a
run whose fingerprint differs (a source edited, a package installed since) gets a new server, so no
stored result comes from code older than its key.

Examples:
    >>> import pathlib, tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> runner = Runner(pathlib.Path(folder.name), device="cpu", cache_dir=None)
    >>> outcome = runner.page("demo.md", "```pycon\n>>> 6 * 7\n42\n```\n").result()
    >>> outcome.passed, outcome.examples
    (True, 1)
    >>> folder.cleanup()
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import signal
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from dlref_site import cache, forkserver
from dlref_site.notebooks import outputs_file

__all__ = ["JOBS_ENV_VAR", "Outcome", "Runner", "jobs", "share_cores", "start_server", "submit"]

JOBS_ENV_VAR = "DLREF_JOBS"
"""How many runs may go on at once (default: the number of CPU cores)."""
PRELOAD = [
    "numpy",
    "torch",
    "torch._dynamo",  # torch.optim and torch.nn.parallel import it (and sympy): once here, not per page
    "pandas",
    "sympy",
    "sklearn.datasets",  # the training walkthroughs' data
    "matplotlib",
    "matplotlib.pyplot",
    "matplotlib_inline.backend_inline",
    "IPython.core.interactiveshell",
    "jupytext",
    "nbformat",
    "dlref_site.warm",
]
"""What the server imports once for every process it forks."""


@dataclass
class Outcome:
    """What one run produced.

    Attributes:
        passed: every example showed what the page shows / every cell ran.
        report: why not, naming ``file:line``.
        shown: a page's expanded Markdown with this run's outputs; a notebook's executed JSON.
        examples: how many examples ran.
        rewrites: for the update command, ``{file: its text with failing outputs rewritten}``.
        left: for the update command, reports of the breaks it does not rewrite.
        outputs: a page's run: what each example printed, in order (a translation shows them too).
    """

    passed: bool
    report: str = ""
    shown: str = ""
    examples: int = 0
    rewrites: dict[str, str] = field(default_factory=dict)
    left: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)


def jobs() -> int:
    """``$DLREF_JOBS``, else the number of cores."""
    value = os.environ.get(JOBS_ENV_VAR, "").strip()
    if value and (not value.isdigit() or int(value) < 1):
        raise ValueError(f"{JOBS_ENV_VAR}={value!r}: expected a positive whole number of processes")
    return int(value) if value else os.cpu_count() or 1


def share_cores(processes: int) -> None:
    """Give torch this process's share of the cores when ``processes`` run at once (threads that wait
    on each other make small operations many times slower)."""
    if processes > 1:
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 1) // processes))


# --- tasks: each runs in a fresh process ---------------------------------------------------------


def page_environment(environ: dict[str, str]) -> None:
    """Make ``environ`` what a page's process runs with.

    ``COLUMNS`` and ``LINES`` go: pandas sizes its tables by them, and what a page prints must not
    depend on the terminal of whoever builds it. ``DLREF_DEVICE`` decides the device for the pages
    too, which pick it with ``torch.cuda.is_available()``: ``cpu`` hides every GPU from them, and
    ``cuda:N`` shows them GPU ``N`` only (as their ``cuda``).
    """
    for name in ("COLUMNS", "LINES"):
        environ.pop(name, None)
    wanted = environ.get("DLREF_DEVICE", "").strip()
    if wanted == "cpu":
        environ["CUDA_VISIBLE_DEVICES"] = ""
    elif wanted.startswith("cuda:") and wanted[5:].isdigit():
        environ["CUDA_VISIBLE_DEVICES"] = wanted[5:]


def _in_fresh_process(task: Callable[..., Outcome], *args: object) -> Outcome:
    import faulthandler

    import numpy as np

    page_environment(os.environ)  # before anything asks CUDA which devices there are

    faulthandler.enable()  # a crash prints the page's line: examples are compiled at it
    np.random.seed()  # a forked child shares its parent's NumPy state; a new interpreter would not
    share_cores(jobs())
    try:
        return task(*args)
    except Exception as error:
        return Outcome(False, f"{args[0] if args else task.__name__}: {''.join(traceback.format_exception(error))}")


def run_page(name: str, text: str, bases: list[str], exact: bool, update: bool = False) -> Outcome:
    """Run a Markdown page's examples; ``shown`` is its expanded source with this run's outputs."""
    from dlref_site.examples import apply, parse, rewrite, run

    page = run(parse(text, name, [Path(b) for b in bases]), exact)
    edits, left = rewrite(page, only_failures=update)
    if update:
        texts = {path: _read(path) if path != name else text for path in edits}
        changed = {path: apply(texts[path], found) for path, found in edits.items()}
        reports = [e.report(exact) for e in left]
        return Outcome(page.passed, page.report(), examples=len(page.examples), rewrites=changed, left=reports)
    if not page.passed:
        return Outcome(False, page.report(), examples=len(page.examples))
    outputs = [example.got for example in page.examples]
    return Outcome(True, shown=apply(page.text, edits.get(name, [])), examples=len(page.examples), outputs=outputs)


def _read(path: str) -> str:
    """A file's text with its line endings as they are (``\\r\\n`` kept), for rewriting it."""
    with open(path, encoding="utf-8", newline="") as file:
        return file.read()


def run_notebook(
    path: str,
    allow_errors: bool = False,
    stored: str | None = None,
    exact: bool = True,
    update: bool = False,
    name: str | None = None,
) -> Outcome:
    """Execute a notebook; ``shown`` is the executed notebook's JSON. A cell that raises fails it,
    unless ``allow_errors`` (then its error is recorded and the next cell runs).

    ``stored``: the text of its stored outputs ([`outputs_file`][dlref_site.notebooks.outputs_file]);
    each cell's printed output is checked against it as a page's outputs are. ``None``: not checked.
    ``update``: the outcome's ``rewrites`` hold the stored outputs rewritten from this run.
    ``name``: the notebook as reports name it (default: ``path``).
    """
    from dlref_site.notebooks import as_json, cell_lines, check_outputs, execute, format_outputs, outputs_file

    name = name or path
    text = _read(path)
    notebook, error = execute(Path(path), allow_errors=allow_errors, name=name)
    if error is not None and not allow_errors:
        return Outcome(False, error)
    if stored is None:
        return Outcome(True, shown=as_json(notebook))
    lines = cell_lines(text) if path.endswith(".py") else None
    reports = check_outputs(name, notebook, stored, exact, lines)
    cells = sum(cell.cell_type == "code" for cell in notebook.cells)
    if update:
        fresh = format_outputs(name, notebook, lines)
        rewrites = {str(outputs_file(Path(name))): fresh} if fresh != stored else {}
        return Outcome(not reports, "\n\n".join(reports), examples=cells, rewrites=rewrites)
    return Outcome(not reports, "\n\n".join(reports), shown=as_json(notebook) if not reports else "", examples=cells)


def run_docstrings(exact: bool, package: str = "dlref") -> Outcome:
    """Run the docstring examples of ``package`` and its modules (the API reference shows dlref's),
    each docstring in a copy of its module's namespace, as doctest runs them."""
    import doctest
    import importlib
    import pkgutil

    from dlref_site.examples import docstring_page, run

    top = importlib.import_module(package)
    modules = [
        top,
        *(importlib.import_module(i.name) for i in pkgutil.walk_packages(getattr(top, "__path__", []), f"{package}.")),
    ]
    failures, count = [], 0
    for module in modules:
        for test in doctest.DocTestFinder(exclude_empty=True).find(module):
            page = run(docstring_page(test), exact, dict(test.globs))
            failures += [page.report()] if not page.passed else []
            count += len(page.examples)
    return Outcome(not failures, "\n\n".join(failures), examples=count)


def run_script(name: str, code: str, cwd: str) -> Outcome:
    """Run source as ``python -`` would, in ``cwd``, as ``__main__``: copied code runs on its own."""
    os.chdir(cwd)
    try:
        exec(compile(code, name, "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
    except SystemExit as stop:
        if stop.code not in (None, 0):
            return Outcome(False, f"{name}: exited with status {stop.code!r}")
    except BaseException as error:  # whatever the code raises is its failure, reported
        return Outcome(False, "".join(traceback.format_exception(error)))
    return Outcome(True)


# --- the runner -------------------------------------------------------------------------------------


class Runner:
    """Runs for one project: its cache, its device, and how its outputs are compared.

    Args:
        project: the folder with ``mkdocs.yml`` and ``constraints.txt``; snippets resolve from it.
        device: where pages run (default: ``dlref.device.default_device()``).
        cache_dir: the cache folder (default: ``cache.directory(project)``); ``None``: no cache.
    """

    def __init__(self, project: Path, device: str | None = None, cache_dir: Path | str | None = "default") -> None:
        if device is None:
            from dlref.device import default_device

            device = str(default_device())
        self.project, self.device = Path(project).resolve(), device
        folder = cache.directory(self.project) if cache_dir == "default" else cache_dir
        self.store = cache.Store(None if folder is None else Path(folder))
        self.tolerance = cache.platform(device, self.project)  # None: compared exactly
        self.prefix = cache.fingerprint(device)  # what the sources and versions are now: keys and server tag
        self.bases = [str(self.project)]
        self.ran: list[str] = []  # what this runner ran, not found in the cache
        self.awaited: list[str] = []  # what another process sharing the cache was running when asked for
        self._shared: dict[str, Future] = {}  # key -> its run while it goes on: one run per key

    @property
    def exact(self) -> bool:
        return self.tolerance is None

    def key(self, kind: str, name: str, text: str) -> str:
        import hashlib

        return hashlib.sha256(f"{self.prefix}\0{self.exact}\0{kind}\0{name}\0{text}".encode()).hexdigest()

    def _submit(
        self, kind: str, name: str, text: str, task: Callable[..., Outcome], *args: object, keyed: str | None = None
    ) -> Future:
        """``keyed``: the name the key holds (default ``name``); a page's is ``""``, so that pages
        with the same examples (a translation and its source) share one run."""
        key = self.key(kind, name if keyed is None else keyed, text) if kind != "update" else ""
        running = self._shared.get(key)
        if running is not None:  # the same run asked for again (a translation): wait for that one
            return running
        stored = self.store.get(key) if key else None
        if stored is not None:
            future: Future = Future()
            future.set_result(Outcome(**stored))
            return future
        outer: Future[Outcome] = Future()  # done once the outcome is stored: a later lookup finds it
        if key:
            self._shared[key] = outer
        try:
            release = self.store.claim(key) if key else cache.granted
            if release is not None:
                self._run(key, outer, name, release, task, args)
                return outer
            # Another process that shares the cache runs it now: take its entry when it is stored.
            self.awaited.append(name)
            waiting = threading.Thread(
                target=self._after_other, args=(key, outer, name, task, args), daemon=True, name=f"dlref-wait {name}"
            )
            waiting.start()
        except BaseException:
            self._shared.pop(key, None)  # a later request for it must not wait for this one
            raise
        return outer

    def _run(
        self,
        key: str,
        outer: Future,
        name: str,
        release: Callable[[], None],
        task: Callable[..., Outcome],
        args: tuple,
        waited: bool = False,
    ) -> None:
        """Run ``task`` under the key's claim, unless another process has stored its entry since
        (``waited``: this runner waited for that process, and counted it in ``awaited``)."""
        stored = self.store.get(key) if key else None
        if stored is not None:
            release()
            self._shared.pop(key, None)
            outer.set_result(Outcome(**stored))
            return
        if waited:
            self.awaited.remove(name)  # that process stored nothing: it runs here after all
        self.ran.append(name)
        try:
            inner = submit(task, *args, tag=self.prefix)
        except BaseException:
            release()
            raise
        inner.add_done_callback(lambda done: self._keep(key, done, outer, name, release))

    def _after_other(self, key: str, outer: Future, name: str, task: Callable[..., Outcome], args: tuple) -> None:
        """Wait until the other process gives the key's claim up; take its entry, or run it here if
        that run stored none (it failed, or that process died)."""
        try:
            self._run(key, outer, name, self.store.claim(key, wait=True), task, args, waited=True)
        except BaseException as error:  # whoever waits is told
            self._shared.pop(key, None)
            outer.set_exception(error)

    def _keep(self, key: str, done: Future, outer: Future, name: str, release: Callable[[], None]) -> None:
        from dlref_site.translations import names_page

        if done.exception() is not None:
            release()
            self._shared.pop(key, None)
            outer.set_exception(done.exception())
            return
        outcome = done.result()
        try:
            if key and outcome.passed and not names_page(outcome.outputs, name):
                self.store.put(key, asdict(outcome))
        finally:  # a cache that cannot be written costs a run next time, never a caller left waiting
            release()  # after the entry is stored: a process waiting for the claim finds it
            self._shared.pop(key, None)  # shared while it runs; afterwards only through the cache
            outer.set_result(outcome)

    def page(self, name: str, text: str) -> Future[Outcome]:
        """Run page ``name`` (its Markdown ``text``), or take its outcome from the cache.

        The run is keyed on the page's examples (``translations.examples_key``: every snippet
        expanded, prose left out), and what the page shows is made from its own text and the run's
        outputs: a translation and its source share one run."""
        from dlref_site.examples import parse
        from dlref_site.translations import examples_key, with_outputs

        bases = [Path(b) for b in self.bases]
        examples = examples_key(parse(text, name, bases))
        run = self._submit("page", name, examples, run_page, name, text, self.bases, self.exact, keyed="")
        return _then(run, lambda ran: replace(ran, shown=with_outputs(parse(text, name, bases), ran.outputs)))

    def page_key(self, name: str, text: str) -> str:
        """The cache key of page ``name``'s run: its examples, as ``page`` keys them."""
        from dlref_site.examples import parse
        from dlref_site.translations import examples_key

        return self.key("page", "", examples_key(parse(text, name, [Path(b) for b in self.bases])))

    def update(self, name: str, text: str) -> Future[Outcome]:
        """Run page ``name`` for the update command: its outcome carries the rewritten files."""
        return self._submit("update", name, text, run_page, name, text, self.bases, self.exact, True)

    def notebook(self, path: Path) -> Future[Outcome]:
        """Execute the notebook at ``path`` and check what it prints against its stored outputs, or
        take its outcome from the cache (its key covers both files). A translation (``mlp.zh.py``)
        shows its source's run: each code cell, the same as the source's, with its outputs."""
        from dlref_site.translations import merge_notebook, source_of

        source = source_of(Path(path).resolve().relative_to(self.project).as_posix())
        if source is not None:
            name = Path(path).resolve().relative_to(self.project).as_posix()

            def merged(outcome: Outcome) -> Outcome:
                shown, report = merge_notebook(Path(path), outcome.shown, name, source)
                return replace(outcome, passed=not report, report=report, shown=shown)

            return _then(self.notebook(self.project / source), merged)
        name, stored = self._stored(path)
        text = f"{_read(str(path))}\0{stored}"
        path = str(self.project / name)
        return self._submit("notebook", name, text, run_notebook, path, False, stored, self.exact, False, name)

    def update_notebook(self, path: Path) -> Future[Outcome]:
        """Execute the notebook at ``path`` for the update command: its outcome carries its stored
        outputs rewritten."""
        name, stored = self._stored(path)
        path = str(self.project / name)
        return self._submit("update", name, "", run_notebook, path, False, stored, self.exact, True, name)

    def _stored(self, path: Path) -> tuple[str, str]:
        """The notebook's name (relative to the project) and its stored outputs' text ("" if none)."""
        name = Path(path).resolve().relative_to(self.project).as_posix()
        stored = self.project / outputs_file(Path(name))
        return name, _read(str(stored)) if stored.is_file() else ""

    def docstrings(self, package: str = "dlref") -> Future[Outcome]:
        """Run the docstring examples of ``package`` (and its modules), or take the outcome from the cache."""
        return self._submit("docstrings", f"{package} docstrings", "", run_docstrings, self.exact, package)

    def prune(self) -> int:
        return self.store.prune()


def _then(future: Future[Outcome], change: Callable[[Outcome], Outcome]) -> Future[Outcome]:
    """A future of ``change(outcome)`` once ``future`` is done, for a passing outcome (a failing
    one, or an error, is passed on as it is)."""
    result: Future[Outcome] = Future()

    def done(ran: Future[Outcome]) -> None:
        try:
            outcome = ran.result()
            result.set_result(change(outcome) if outcome.passed else outcome)
        except BaseException as error:  # whoever waits is told
            result.set_exception(error)

    future.add_done_callback(done)
    return result


# --- processes --------------------------------------------------------------------------------------

_WAITING: queue.SimpleQueue | None = None
_RUNNING: set[int] = set()
_lock = threading.Lock()


def submit(task: Callable[..., Outcome], *args: object, tag: str) -> Future[Outcome]:
    """Run ``task(*args)`` in a fresh process forked from a server tagged ``tag`` (a fingerprint);
    a process that dies without a result fails only its own task."""
    global _WAITING
    forkserver.start(PRELOAD, tag=tag)  # a server from older sources or versions is replaced
    with _lock:
        if _WAITING is None:
            _WAITING = queue.SimpleQueue()
            atexit.register(_stop_running)
            for number in range(jobs()):
                threading.Thread(target=_launch, args=(_WAITING,), daemon=True, name=f"dlref-run-{number}").start()
    future: Future[Outcome] = Future()
    _WAITING.put((future, task, args, tag))
    return future


def start_server(tag: str, share: bool = False) -> None:
    """Start the server now (it imports while the caller goes on); ``share``: for child processes too."""
    forkserver.start(PRELOAD, share=share, tag=tag)


def _stop_running() -> None:
    for pid in list(_RUNNING):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def _launch(waiting: queue.SimpleQueue) -> None:
    while True:
        future, task, args, tag = waiting.get()
        if not future.set_running_or_notify_cancel():
            continue
        try:
            future.set_result(_run_in_new_process(task, args, tag))
        except BaseException as error:  # the server gone (this process is exiting): whoever waits is told
            future.set_exception(error)


def _run_in_new_process(task: Callable[..., Outcome], args: tuple, tag: str) -> Outcome:
    pids: list[int] = []

    def started(pid: int) -> None:
        pids.append(pid)
        _RUNNING.add(pid)

    name = str(args[0]) if args else task.__name__
    try:
        outcome = forkserver.call(_in_fresh_process, task, *args, preload=PRELOAD, started=started, tag=tag)
    except forkserver.Crashed:
        outcome = None
    except RuntimeError as error:  # what _in_fresh_process does not catch (SystemExit)
        return Outcome(False, f"{name}: {error}")
    finally:
        _RUNNING.difference_update(pids)
    if not isinstance(outcome, Outcome):
        return Outcome(False, f"{name}: the process running it crashed (see the fault dump above)")
    return outcome
