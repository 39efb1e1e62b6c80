r"""A per-page cache of what MkDocs renders, so an unchanged page costs the build almost nothing.

A warm build used to spend most of its time redoing work whose inputs had not changed: Markdown
and mkdocstrings rendering every page (the API reference most of it), slimming every notebook page,
and Material's search plugin parsing every page's HTML and segmenting Chinese text with jieba. The
dlref plugin ([`dlref.mkdocs_plugin`][dlref.mkdocs_plugin]) stores the results per page here and
replays them while a page's key is unchanged:

* **a page's render**: the HTML after ``page.render`` and dlref's ``on_page_content`` (notebook
  pages slimmed, ``pycon`` outputs marked), its table of contents, title, anchors and links to
  other pages' anchors (MkDocs checks those after the build), its figures, its ``.ipynb`` download,
  and what the render registered with other plugins: mkdocs-autorefs anchors (headings,
  mkdocstrings objects) and mkdocstrings inventory entries (``objects.inv``), and the log records it
  emitted (a warning is logged again on every build that replays it, so ``--strict`` still fails);
* **a page's search entries**: the entries Material's search plugin adds for the page.

A key is a SHA-256 over everything the stored value is computed from, so a stale page cannot be
served; it over-invalidates rather than miss an input:

* for every page: the execution cache's fingerprint (every installed distribution's version, Python,
  the device, every file of ``dlref``), the text of ``mkdocs.yml`` (and of a file it ``INHERIT``\ s,
  and the environment variables its ``!ENV`` tags read), the resolved settings the render reads
  (copyright line with the build's device, site URL, ``use_directory_urls``, theme), the ``hooks:``
  files, every file of the theme's ``custom_dir`` and of mkdocstrings' handler ``paths`` and
  ``custom_templates``, and the list of all files of the site with their URLs (links are resolved
  against it);
* for the page: its path and URL, its Markdown as rendered (after other plugins' ``on_page_markdown``:
  for a reference page, the text with the outputs of its run), its metadata, the bytes of its
  source file (for a notebook page, the executed ``.ipynb``), and every existing file named on a
  pymdown snippet line of the page or of a file it includes (a page that includes a snippet by
  URL is never cached).

A search entry is keyed on the page's URL, title, metadata, table of contents and final HTML and on
the search plugin's settings (and jieba dictionaries). Entries live in ``render/`` and ``search/``
inside the execution cache's directory (``.cache/dlref/`` or ``$DLREF_CACHE_DIR``), are safe to
delete, are neither read nor written with ``DLREF_CACHE=0``, and are pruned after each build (unused
for two weeks, or beyond 256 MB, least recently used first).

Log records are recorded as a ``--verbose``-less build would show them even under ``--quiet`` (the
loggers' levels are lowered and their handlers' raised for the render), so an entry recorded by a
quiet build still replays its warnings in a normal one. Under ``--verbose`` nothing is stored
(MkDocs then keeps no links to check).

Examples:
    >>> import pathlib, tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> store = Store(pathlib.Path(folder.name), "render")
    >>> key = digest("page", "index.md", "# Home")
    >>> store.get(key) is None
    True
    >>> store.put(key, {"content": "<h1>Home</h1>"})
    >>> store.get(key)["content"]
    '<h1>Home</h1>'
    >>> toc_tokens(toc_from_tokens([{"level": 1, "id": "a", "name": "A", "children": []}]))
    [{'level': 1, 'id': 'a', 'name': 'A', 'children': []}]
    >>> folder.cleanup()
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "FORMAT",
    "PageRecorder",
    "Store",
    "digest",
    "remote_snippets",
    "replay_logs",
    "site_fingerprint",
    "snippet_files",
    "toc_from_tokens",
    "toc_tokens",
]

FORMAT = "dlref-render-1"
"""Bump when what is stored, or how it is replayed, changes."""


def digest(*parts: str | bytes) -> str:
    """SHA-256 of ``parts``, each length-prefixed (so ``("ab", "c")`` and ``("a", "bc")`` differ)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(f"{len(data)}:".encode())
        h.update(data)
    return h.hexdigest()


class Store:
    """JSON entries on disk, one file per key, under ``directory/kind``; ``directory=None``: off."""

    def __init__(self, directory: Path | None, kind: str) -> None:
        self.directory = None if directory is None else directory / kind

    def get(self, key: str) -> dict | None:
        """The stored entry, or ``None``."""
        if self.directory is None:
            return None
        path = self.directory / f"{key}.json"
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # absent, or unreadable: render again
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept by prune()
        return entry if isinstance(entry, dict) else None

    def put(self, key: str, entry: dict) -> None:
        """Store ``entry`` (atomically)."""
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{key}.json"
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)

    def prune(self, max_age_days: float = 14, max_bytes: int = 256 * 2**20) -> None:
        """Delete entries not used for ``max_age_days``, then the least recently used beyond ``max_bytes``.

        Every edit of a page leaves its old entry behind, and every edit of ``dlref`` all of them
        (the API reference's is a couple of megabytes), so the folder is kept small.
        """
        if self.directory is None or not self.directory.is_dir():
            return
        entries = []
        for path in self.directory.glob("*.json"):
            with contextlib.suppress(OSError):
                stat = path.stat()
                entries.append((stat.st_mtime, stat.st_size, path))
        limit, total = time.time() - max_age_days * 86400, 0
        for mtime, size, path in sorted(entries, reverse=True):  # most recently used first
            total += size
            if mtime < limit or total > max_bytes:
                path.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------------
# Keys


def _tree_digest(root: Path, pattern: str = "*") -> str:
    """A hash of every file under ``root`` (names and bytes); empty when ``root`` is not a folder."""
    h = hashlib.sha256()
    if root.is_dir():
        for path in sorted(p for p in root.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts):
            h.update(digest(path.relative_to(root).as_posix(), path.read_bytes()).encode())
    return h.hexdigest()


_ENV_TAG = re.compile(r"!ENV\s+\[?\s*([^\]\n#]+)")


def _config_texts(config_file: Path) -> list[str]:
    """The text of the config file, of each file it ``INHERIT``\\ s, and the variables ``!ENV`` reads."""
    texts, seen, path = [], set(), config_file
    while path is not None and path.is_file() and path not in seen:
        seen.add(path)
        text = path.read_text(encoding="utf-8")
        texts.append(text)
        for names in _ENV_TAG.findall(text):
            for name in re.split(r"[\s,]+", names):
                name = name.strip("'\"")
                if name:
                    texts.append(f"{name}={os.environ.get(name)!r}")
        parent = re.search(r"^INHERIT:\s*['\"]?([^'\"\n]+?)['\"]?\s*$", text, re.MULTILINE)
        path = (path.parent / parent[1]).resolve() if parent else None
    return texts


def site_fingerprint(config, files: Iterable, execution_fingerprint: str) -> str:
    """What every page's render may depend on besides the page itself (see the module's docstring).

    Args:
        config: the MkDocs config (``MkDocsConfig``).
        files: the site's ``Files``, final (after every plugin's ``on_files``).
        execution_fingerprint: the execution cache's fingerprint: installed versions, Python,
            device and the ``dlref`` sources.
    """
    root = Path(config.config_file_path).resolve().parent
    parts: list[str] = [FORMAT, execution_fingerprint, *_config_texts(Path(config.config_file_path))]
    theme = config.theme
    settings = {
        "site_name": config.site_name,
        "site_url": config.site_url,
        "repo_url": config.repo_url,
        "edit_uri": config.edit_uri,
        "copyright": config.copyright,
        "use_directory_urls": config.use_directory_urls,
        "docs_dir": config.docs_dir,
        "theme": getattr(theme, "name", None),
        "theme_dirs": list(getattr(theme, "dirs", [])),
        "language": theme.get("language") if hasattr(theme, "get") else None,
        "markdown_extensions": [
            str(e) if isinstance(e, str) else type(e).__qualname__ for e in config.markdown_extensions
        ],
    }
    parts.append(json.dumps(settings, sort_keys=True, default=str))
    custom_dir = getattr(theme, "custom_dir", None) or (theme.get("custom_dir") if hasattr(theme, "get") else None)
    if custom_dir:
        parts.append(_tree_digest(Path(custom_dir)))
    mkdocstrings = config.plugins.get("mkdocstrings") if hasattr(config.plugins, "get") else None
    if mkdocstrings is not None:
        options = mkdocstrings.config
        if options.get("custom_templates"):
            parts.append(_tree_digest(root / options["custom_templates"]))
        for handler in (options.get("handlers") or {}).values():
            for entry in (handler or {}).get("paths", []) or []:
                parts.append(_tree_digest(root / entry, "*.py*"))
    for name, module in (config.get("hooks") or {}).items():  # Python files MkDocs runs as plugins
        path = Path(getattr(module, "__file__", None) or root / name)
        parts.append(path.read_text(encoding="utf-8") if path.is_file() else f"{name}: missing")
    snippets = config.mdx_configs.get("pymdownx.snippets", {})
    for name in snippets.get("auto_append", []) or []:
        parts.extend(snippet_files(f'--8<-- "{name}"', snippet_bases(config)))
    listing = sorted(
        f"{f.src_uri}\0{f.dest_uri}\0{f.url}\0{f.inclusion.name}\0{type(f).__name__}\0{f.is_documentation_page()}"
        for f in files
    )
    parts.append("\n".join(listing))
    return digest(*parts)


def snippet_bases(config) -> list[Path]:
    """Where pymdown snippet paths may resolve: its ``base_path`` entries, the project and docs folders."""
    base = config.mdx_configs.get("pymdownx.snippets", {}).get("base_path", ["."])
    base = [base] if isinstance(base, str) else list(base)
    root = Path(config.config_file_path).resolve().parent
    bases = [Path(b).resolve() for b in base] + [root / b for b in base] + [root, Path(config.docs_dir)]
    return list(dict.fromkeys(bases))


_SNIPPET_MARK = re.compile(r"^[ \t]*;*-+8<-+")
_QUOTED = re.compile(r"([\"'])(.+?)\1")


def _snippet_names(text: str) -> Iterator[str]:
    """The names on pymdown snippet lines: ``--8<-- "name"`` and the lines of a ``--8<--`` block."""
    in_block = False
    for line in text.splitlines():
        mark = _SNIPPET_MARK.match(line)
        if mark:
            rest = line[mark.end() :].strip()
            if not rest:
                in_block = not in_block
            yield from (m[2] for m in _QUOTED.finditer(rest))
            yield from rest.split()
        elif in_block and line.strip():
            yield line.strip()


def remote_snippets(text: str) -> bool:
    """Whether ``text`` includes a snippet by URL (its content cannot be hashed: never cached)."""
    return any("://" in name for name in _snippet_names(text))


def snippet_files(text: str, bases: list[Path], depth: int = 4) -> list[str]:
    """One line per (name, base) for every name on a snippet line of ``text``: the file's hash or ``-``.

    Names may carry a section or line range (``file.py:name``, ``file.py:3:9``); both the whole name
    and the part before the first ``:`` are tried. Files found are scanned for snippet lines in turn
    (nested snippets), ``depth`` levels deep. A file that is missing now is recorded as missing, so
    the key changes when it appears.
    """
    found: list[str] = []
    seen: set[Path] = set()
    todo = [(text, 0)]
    while todo:
        source, level = todo.pop()
        for name in dict.fromkeys(_snippet_names(source)):
            if "://" in name:
                continue
            for candidate in dict.fromkeys([name, name.split(":", 1)[0]]):
                for base in bases:
                    path = base / candidate
                    if path.is_file():
                        data = path.read_bytes()
                        found.append(f"{candidate}\0{base}\0{hashlib.sha256(data).hexdigest()}")
                        if level < depth and path not in seen:
                            seen.add(path)
                            todo.append((data.decode("utf-8", errors="replace"), level + 1))
                    else:
                        found.append(f"{candidate}\0{base}\0-")
    return found


# --------------------------------------------------------------------------------------------------
# Tables of contents


def toc_tokens(toc: Iterable) -> list[dict[str, Any]]:
    """A table of contents (``AnchorLink`` items) as the tokens ``mkdocs.structure.toc.get_toc`` reads."""
    return [{"level": i.level, "id": i.id, "name": i.title, "children": toc_tokens(i.children)} for i in toc]


def toc_from_tokens(tokens: list[dict[str, Any]]):
    """The table of contents MkDocs makes from ``tokens`` (its first item marked active, as MkDocs does)."""
    from mkdocs.structure.toc import get_toc

    return get_toc(tokens)


# --------------------------------------------------------------------------------------------------
# Recording what a render registers elsewhere


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []
        self._ids: set[int] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if id(record) not in self._ids:
            self._ids.add(id(record))
            self.records.append(record)


def _replayed(record: logging.LogRecord) -> bool:
    """Warnings and errors from anywhere, and MkDocs' own notes on links (``validation:`` at info)."""
    return record.levelno >= logging.WARNING or record.name.startswith("mkdocs.structure")


class PageRecorder:
    """Record what rendering one page registers with mkdocs-autorefs and mkdocstrings, and logs.

    Use as a context manager around the render; afterwards ``entry()`` holds what to replay, or
    ``ok`` is false when something was seen that cannot be replayed (an anchor registered for
    another page).

    Args:
        page: the page being rendered.
        autorefs: the mkdocs-autorefs plugin instance, or ``None``.
        handlers: mkdocstrings' ``Handlers``, or ``None``.
    """

    def __init__(self, page, autorefs, handlers) -> None:
        self.page, self.autorefs, self.handlers = page, autorefs, handlers
        self.anchors: list[list] = []
        self.inventory: list[dict] = []
        self.handler_names: list[str] = []
        self.ok = True
        self._capture = _Capture()
        self._loggers = [logging.getLogger(), logging.getLogger("mkdocs")]
        self._levels: list[int] = []

    def __enter__(self) -> PageRecorder:
        if self.autorefs is not None:
            original = self.autorefs.register_anchor

            def register_anchor(page, identifier, anchor=None, *, title=None, primary=True):
                if page is not self.page:
                    self.ok = False
                self.anchors.append([identifier, anchor, title, primary])
                return original(page, identifier, anchor, title=title, primary=primary)

            self.autorefs.register_anchor = register_anchor
        if self.handlers is not None:
            inventory = self.handlers.inventory
            original_register = inventory.register

            def register(name, domain, role, uri, priority=1, dispname=None):
                self.inventory.append(
                    {
                        "name": name,
                        "domain": domain,
                        "role": role,
                        "uri": uri,
                        "priority": priority,
                        "dispname": dispname,
                    }
                )
                return original_register(name, domain, role, uri, priority, dispname)

            inventory.register = register
            original_get = self.handlers.get_handler

            def get_handler(name, handler_config=None):
                if handler_config is not None:
                    self.ok = False  # a handler made with a page's own settings: not replayable
                self.handler_names.append(name)
                return original_get(name, handler_config)

            self.handlers.get_handler = get_handler
        # Record what a build with ``--verbose`` would log even under ``--quiet``: lower the loggers'
        # levels to INFO and raise their handlers' levels to match, so that what is shown and what
        # ``--strict`` counts stay as they were.
        self._saved = []
        for logger in self._loggers:
            effective = logger.getEffectiveLevel()
            self._saved.append((logger, logger.level, [(h, h.level) for h in logger.handlers]))
            if effective > logging.INFO:
                logger.setLevel(logging.INFO)
                for handler in logger.handlers:
                    handler.setLevel(max(handler.level, effective))
            logger.addHandler(self._capture)
        return self

    def __exit__(self, *exc) -> None:
        for logger, level, handlers in self._saved:
            logger.removeHandler(self._capture)
            logger.setLevel(level)
            for handler, handler_level in handlers:
                handler.setLevel(handler_level)
        if self.autorefs is not None:
            del self.autorefs.register_anchor  # the class's method again
        if self.handlers is not None:
            del self.handlers.inventory.register
            del self.handlers.get_handler

    def logs(self) -> list[list]:
        """The records to replay: ``[logger name, level, message]``."""
        return [[r.name, r.levelno, r.getMessage()] for r in self._capture.records if _replayed(r)]

    def entry(self) -> dict[str, Any]:
        """What to replay on a later build (``anchors``, ``inventory``, ``handlers``, ``logs``)."""
        return {
            "anchors": self.anchors,
            "inventory": self.inventory,
            "handlers": list(dict.fromkeys(self.handler_names)),
            "logs": self.logs(),
        }

    @staticmethod
    def replay(entry: dict[str, Any], page, autorefs, handlers) -> None:
        """Register again what the recorded render registered, in the same order."""
        if handlers is not None:
            for name in entry["handlers"]:
                handlers.get_handler(name)
            for item in entry["inventory"]:
                handlers.inventory.register(**item)
        elif entry["handlers"] or entry["inventory"]:
            raise ValueError("the entry registers mkdocstrings objects, but mkdocstrings is not enabled")
        if autorefs is not None:
            for identifier, anchor, title, primary in entry["anchors"]:
                autorefs.register_anchor(page, identifier, anchor, title=title, primary=primary)
        elif entry["anchors"]:
            raise ValueError("the entry registers autorefs anchors, but mkdocs-autorefs is not enabled")


def replay_logs(logs: list[list]) -> None:
    """Log again what a recorded render logged (warnings count for ``--strict`` as before)."""
    for name, level, message in logs:
        logging.getLogger(name).log(level, "%s", message)


def encode_images(images: dict[str, bytes]) -> dict[str, str]:
    """Figures as base64 text, for JSON."""
    return {name: base64.b64encode(data).decode() for name, data in images.items()}


def decode_images(images: dict[str, str]) -> dict[str, bytes]:
    """The figures ``encode_images`` stored."""
    return {name: base64.b64decode(data) for name, data in images.items()}
