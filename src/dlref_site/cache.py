r"""What a run's outcome depends on, and where passing outcomes are kept.

A key hashes all that can change what a page prints: its expanded source (every file its snippets
include, at any depth), the sources of ``dlref`` and ``dlref_site``, every installed version,
Python's, the device, and the environment variables that change output (pages run without
``COLUMNS`` and ``LINES``: see [`page_environment`][dlref_site.runner.page_environment]). Entries
are JSON written atomically; an unreadable one is a miss; unused ones are pruned after 14 days. While a
process runs a key it holds the key's claim: another process that shares the folder (the other
language's build, a test worker, ``mkdocs serve`` beside ``scripts/test``) waits for that run's
entry instead of running it too. [`platform`][dlref_site.cache.platform] says whether outputs are compared exactly.

Examples:
    >>> import pathlib, tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> store = Store(pathlib.Path(folder.name))
    >>> store.put("k", {"passed": True, "shown": "x"})
    >>> store.get("k")["shown"], store.get("missing")
    ('x', None)
    >>> folder.cleanup()
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: each process runs what it does not find, as if nothing were shared
    fcntl = None

__all__ = ["CACHE_DIR_ENV_VAR", "CACHE_ENV_VAR", "Store", "fingerprint", "platform"]

CACHE_ENV_VAR = "DLREF_CACHE"
"""``0`` neither reads nor writes the cache."""
CACHE_DIR_ENV_VAR = "DLREF_CACHE_DIR"
"""Where to keep the cache instead of ``.cache/dlref/`` in the project."""
_OUTPUT_ENV = re.compile(
    r"^(LANG|LC_\w+|TZ|PYTHONHASHSEED|PYTHONIOENCODING|OMP_\w+|MKL_\w+|OPENBLAS_\w+|"
    r"CUDA_\w+|CUBLAS_\w+|TORCH_\w+|PYTORCH_\w+|DLREF_\w+|MPLBACKEND)$"
)
_NOT_OUTPUT = {CACHE_ENV_VAR, CACHE_DIR_ENV_VAR, "DLREF_FORK_SERVER", "DLREF_BUILT_SITE", "DLREF_CHROMIUM"}
# the site's, not the pages': where it is served, its links, screenshots, which languages are built
_NOT_OUTPUT |= {"DLREF_SITE_URL", "DLREF_REPO_URL", "DLREF_EDIT_URI", "DLREF_SCREENSHOTS", "DLREF_LANGUAGE"}

_FORMAT = 4  # bump when what is stored changes
PACKAGES = (Path(__file__).resolve().parent, Path(__file__).resolve().parents[1] / "dlref")


def _sources() -> str:
    """A hash of every Python source of the library and of this machinery, as they are on disk now."""
    digest = hashlib.sha256()
    for package in PACKAGES:
        for path in sorted(package.rglob("*.py")):
            digest.update(f"{path.relative_to(package.parent)}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()


def distributions() -> tuple[str, ...]:
    """``name==version`` of every installed distribution, read again whenever a ``sys.path`` folder
    changes (installing or removing one changes its folder)."""
    stamps = []
    for folder in sys.path:
        with contextlib.suppress(OSError):
            stamps.append((folder, os.stat(folder).st_mtime_ns))
    return _distributions(tuple(stamps))


@functools.lru_cache(maxsize=1)
def _distributions(stamps: tuple) -> tuple[str, ...]:
    found = (d.metadata for d in importlib.metadata.distributions())
    return tuple(sorted({f"{m['Name']}=={m['Version']}".lower() for m in found if m["Name"]}))


def output_environment() -> list[str]:
    """The environment variables that can change what a page prints, and the number of cores."""
    chosen = sorted(f"{k}={v}" for k, v in os.environ.items() if _OUTPUT_ENV.match(k) and k not in _NOT_OUTPUT)
    return [*chosen, f"cores={os.cpu_count()}"]


def fingerprint(device: str) -> str:
    """The part of every key that is not the page: sources, versions, environment, device."""
    parts = [f"format={_FORMAT}", sys.version, f"device={device}", _sources(), *distributions()]
    return hashlib.sha256("\n".join([*parts, *output_environment()]).encode()).hexdigest()


def platform(device: str, project: Path) -> str | None:
    """``None`` on the reference platform (compare exactly), else why tolerances are used.

    The reference platform is the CPU where each distribution that ``project/constraints.txt`` pins
    and that is installed has the pinned version (set-up installs what the project uses).
    """
    if device != "cpu":
        return f"pages run on {device}, not the reference CPU"
    try:
        pins = (project / "constraints.txt").read_text(encoding="utf-8").splitlines()
    except OSError:
        return f"no {project / 'constraints.txt'} names the reference versions"
    installed = dict(item.split("==", 1) for item in distributions())
    for pin in pins:
        name, _, version = pin.partition("==")
        name = re.sub(r"[-_.]+", "-", name.strip()).lower()
        got = installed.get(name) or installed.get(name.replace("-", "_"))
        if version and got is not None and got.split("+")[0] != version.strip():
            return f"{name} {got} is installed; constraints.txt pins {version.strip()}"
    return None


def directory(project: Path) -> Path | None:
    """Where ``project``'s cache lives, or ``None`` when ``DLREF_CACHE=0`` turns it off."""
    if os.environ.get(CACHE_ENV_VAR, "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    return Path(os.environ.get(CACHE_DIR_ENV_VAR) or project / ".cache" / "dlref")


class Store:
    """JSON entries by key in ``folder`` (``None``: every lookup misses, nothing is written)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def get(self, key: str) -> dict | None:
        if self.folder is None:
            return None
        path = self.folder / f"{key}.json"
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            os.utime(path)  # recently used: kept by prune()
        except (OSError, ValueError):
            return None  # missing, unreadable or truncated: run again
        return entry if isinstance(entry, dict) else None

    def put(self, key: str, entry: dict) -> None:
        """Store ``entry`` atomically: a reader sees the old file or the whole new one."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=self.folder, suffix=".tmp", delete=False, encoding="utf-8") as part:
            part.write(json.dumps(entry))
        os.replace(part.name, self.folder / f"{key}.json")

    def claim(self, key: str, wait: bool = False) -> Callable[[], None] | None:
        """Claim ``key`` for this process while it runs it; return the function that gives the
        claim up (call it once the entry is stored, or the run has failed).

        ``None``, only without ``wait``: another process holds it. With ``wait``, block until the
        holder gives it up, then hold it: the holder's entry is stored by then, unless its run
        failed. The kernel gives up the claims of a process that dies. Without a folder (or off
        POSIX) every claim is granted at once.
        """
        if self.folder is None or fcntl is None:
            return granted
        # The lock file stays (pruned as entries are): removing it could let a third process lock
        # a new file of the same name while the second still waits on the old one.
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.folder / f"{key}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:  # a folder that cannot be written shares nothing (and stores nothing)
            return granted
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return None
        except OSError:  # a file system without locks: as if nothing were shared
            os.close(descriptor)
            return granted
        except BaseException:
            os.close(descriptor)
            raise
        with contextlib.suppress(OSError):
            os.utime(descriptor)  # in use: prune() keeps it
        held = [descriptor]

        def release() -> None:  # closing the descriptor gives the lock up; once
            if held:
                os.close(held.pop())

        return release

    def prune(self, max_age_days: float = 14) -> int:
        """Delete entries (and stray partial and lock files) unused for ``max_age_days``; return how many."""
        if self.folder is None or not self.folder.is_dir():
            return 0
        limit, removed = time.time() - max_age_days * 86400, 0
        for path in [*self.folder.glob("*.json"), *self.folder.glob("*.tmp"), *self.folder.glob("*.lock")]:
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += 1
        return removed


def granted() -> None:
    """Give up a claim that holds nothing: where nothing is shared, or a run that is not cached."""
