"""The shared fork server: each call is a fresh process that starts as the caller's; one server per run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import programs
from dlref_site import forkserver

FORKED = str(Path(__file__).resolve().parents[1] / "forked.py")  # python tests/forked.py

HERE = Path(__file__).resolve().parent


def _where() -> dict[str, object]:
    """What a process sees of how it was started (run in a forked process)."""
    print("to the caller's stdout")
    print("to the caller's stderr", file=sys.stderr)
    return {
        "pid": os.getpid(),
        "server": os.getppid(),
        "cwd": os.getcwd(),
        "path": list(sys.path),
        "marker": os.environ.get("DLREF_TEST_MARKER"),
    }


def _raise() -> None:
    raise ValueError("from the forked process")


def _kill_itself() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _wait(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def test_a_call_starts_as_a_process_of_the_caller_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DLREF_TEST_MARKER", "set after the server started")
    monkeypatch.syspath_prepend(str(tmp_path / "extra"))
    seen = forkserver.call(_where)
    assert seen["pid"] not in (os.getpid(), seen["server"])
    assert seen["cwd"] == str(tmp_path)
    assert seen["path"] == sys.path
    assert seen["marker"] == "set after the server started"
    out, err = capfd.readouterr()
    assert "to the caller's stdout" in out
    assert "to the caller's stderr" in err


def test_every_call_is_a_new_process_of_the_same_server() -> None:
    with ThreadPoolExecutor(4) as pool:
        seen = list(pool.map(lambda _: forkserver.call(_where), range(8)))
    assert len({s["pid"] for s in seen}) == 8
    assert len({s["server"] for s in seen}) == 1


def test_an_exception_is_raised_in_the_caller_with_its_traceback() -> None:
    with pytest.raises(RuntimeError, match=r"(?s)in _raise.*ValueError: from the forked process"):
        forkserver.call(_raise)


def test_a_process_that_dies_without_a_result_is_named() -> None:
    started: list[int] = []
    with pytest.raises(forkserver.Crashed, match=r"process \d+ ended without a result"):
        forkserver.call(os._exit, 3, started=started.append)
    assert len(started) == 1
    with pytest.raises(forkserver.Crashed):
        forkserver.call(_kill_itself)
    assert forkserver.call(divmod, 7, 2) == (3, 1)  # the server goes on


def _python(*args: str, **options: object) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in a new interpreter, its output captured (``options``: ``subprocess.run``'s)."""
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=60, check=False, **options)


def _run(code: str, env: dict[str, str]) -> str:
    result = _python("-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_processes_started_after_a_shared_start_use_the_same_server() -> None:
    """The test run's server (tests/conftest.py) serves every worker and the site build."""
    server = forkserver.call(os.getppid)
    assert forkserver.address() == os.environ.get(forkserver.ENV_VAR, "").partition("@")[2]
    code = "import os; from dlref_site import forkserver; print(forkserver.call(os.getppid))"
    assert int(_run(code, dict(os.environ))) == server


def test_a_given_server_that_is_gone_is_replaced_by_one_of_its_own(tmp_path: Path) -> None:
    code = (
        "import os, sys; from dlref_site import forkserver\n"
        "pid = forkserver.call(os.getppid)\n"
        "print(pid != os.getpid(), forkserver.address() != os.environ.get('X_GIVEN'))\n"
    )
    gone = str(tmp_path / "no-such-socket")
    env = {**os.environ, forkserver.ENV_VAR: f"tag@{gone}", "X_GIVEN": gone}
    assert _run(code, env).split() == ["True", "True"]


def test_a_server_tagged_with_older_sources_is_never_used() -> None:
    """A caller whose fingerprint (the tag) has changed since the server imported gets a new server:
    the given one, and its own former one, hold modules older than what the caller's key claims."""
    code = (
        "import os; from dlref_site import forkserver\n"
        "given = forkserver.call(os.getppid)\n"
        "forkserver.start(tag='new sources')\n"
        "mine = forkserver.call(os.getppid)\n"
        "forkserver.start(tag='newer sources')\n"
        "again = forkserver.call(os.getppid)\n"
        "forkserver.start(tag='newer sources')\n"
        "print(given != mine, mine != again, again == forkserver.call(os.getppid))\n"
    )
    assert _run(code, dict(os.environ)).split() == ["True", "True", "True"]


def test_the_server_stops_when_the_process_that_started_it_exits() -> None:
    env = {k: v for k, v in os.environ.items() if k != forkserver.ENV_VAR}
    code = (
        "import os; from dlref_site import forkserver\n"
        "where = forkserver.start(share=True)\n"
        "print(where, forkserver.call(os.getppid))\n"
    )
    where, server = _run(code, env).split()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{server}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{server}").exists(), "the server outlived the process that started it"
    assert not Path(where).parent.exists(), "its socket's folder was left behind"


def test_a_process_under_way_can_be_stopped_by_the_caller() -> None:
    """dlref_site.runner stops the runs under way when its process exits early (a failing build)."""
    started: list[int] = []
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(forkserver.call, _wait, 30, started=started.append)
        deadline = time.monotonic() + 10
        while not started and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(started[0], signal.SIGTERM)
        with pytest.raises(forkserver.Crashed):
            result.result(timeout=10)


def _read_stdin() -> str:
    return sys.stdin.read()


def test_a_call_reads_the_callers_stdin_only_when_asked(tmp_path: Path) -> None:
    """Without ``stdin``, a call's process reads nothing (not what its caller reads); with it, the caller's input."""
    data = tmp_path / "input.txt"
    data.write_text("the caller's input\n", encoding="utf-8")
    code = (
        f"import sys; sys.path[:0] = [{str(HERE)!r}, {str(HERE.parent)!r}]; from test_forkserver import _read_stdin\n"
        "from dlref_site import forkserver\n"
        "print(repr(forkserver.call(_read_stdin)), repr(forkserver.call(_read_stdin, stdin=True)))\n"
    )
    with data.open("rb") as stdin:
        result = _python("-c", code, stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "'' " + repr("the caller's input\n") + "\n"


def test_run_module_gives_what_a_new_interpreter_gives(tmp_path: Path) -> None:
    script = tmp_path / "prog.py"
    script.write_text(
        "import os, sys\nprint('out', sys.argv[1:], os.getcwd(), os.environ['X_MARK'])\n"
        "os.write(2, b'raw fd 2\\n')\nsys.exit(int(sys.argv[1]))\n",
        encoding="utf-8",
    )
    env = {**os.environ, "X_MARK": "given", "PYTHONPATH": os.pathsep.join([str(tmp_path), str(HERE.parent)])}
    for module in ("prog", "forked"):  # the second: python -m forked -m prog
        args = ["4", "x"] if module == "prog" else ["-m", "prog", "4", "x"]
        ours = programs.run_module(module, args, cwd=tmp_path, env=env)
        theirs = _python("-m", module, *args, cwd=tmp_path, env=env)
        assert (ours.returncode, ours.stdout, ours.stderr) == (theirs.returncode, theirs.stdout, theirs.stderr)
        assert ours.returncode == 4
        assert ours.stdout == f"out ['4', 'x'] {tmp_path} given\n"
        assert ours.stderr == "raw fd 2\n"


def test_an_uncaught_exception_is_reported_as_python_reports_it(tmp_path: Path) -> None:
    code = "def f():\n    raise KeyError('k')\nf()\n"
    ours = programs.run_module("forked", ["-c", code])
    theirs = _python("-c", code)
    assert (ours.returncode, ours.stderr) == (theirs.returncode, theirs.stderr)
    assert ours.returncode == 1
    assert ours.stderr.startswith('Traceback (most recent call last):\n  File "<string>", line 3, in <module>\n')


def test_run_module_kills_a_program_past_its_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        programs.run_module("forked", ["-c", "import time; time.sleep(30)"], timeout=0.5)
    assert time.monotonic() - started < 10
    with pytest.raises(ValueError, match="module must be a dotted module name, not 'a b'"):
        programs.run_module("a b")
    with pytest.raises(TypeError, match="args must be a sequence of str"):
        programs.run_module("platform", "-h")  # type: ignore[arg-type]


def test_forked_python_runs_in_the_shared_server_with_this_processs_streams() -> None:
    """``python tests/forked.py -c CODE``, as pytest-xdist starts the workers (tests/conftest.py)."""
    server = forkserver.call(os.getppid)
    code = "import os, sys; print(os.getppid(), sys.stdin.read().upper(), 'torch' in sys.modules); sys.exit(5)"
    result = _python(FORKED, "-u", "-c", code, input="from stdin")
    assert (result.returncode, result.stderr) == (5, "")
    assert result.stdout.split() == [str(server), "FROM", "STDIN", "True"]
    other = _python(FORKED, "-c", "print(1)", "-V")
    assert other.stdout == "1\n"
    version = _python(FORKED, "-V")
    assert version.stdout.startswith("Python 3.")  # not -c or -m: python itself runs it
