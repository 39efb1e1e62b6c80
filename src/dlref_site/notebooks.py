r"""Notebooks: run a walkthrough's cells as a Jupyter kernel would, and write a page as a notebook.

[`execute`][dlref_site.notebooks.execute] records what a kernel sends (streams, results with every
MIME type, inline figures, errors) from an IPython shell in this process;
[`page_notebook`][dlref_site.notebooks.page_notebook] makes a reference page the notebook readers
download, each cell ending with an output the page shows (kept in its metadata for the checks).

Examples:
    >>> nb = page_notebook("# Title\n\n```pycon\n>>> x = 2\n>>> x + 1\n3\n```\n\nDone.\n")
    >>> [(cell.cell_type, cell.source) for cell in nb.cells[1:]], nb.cells[2].metadata["dlref"]["want"]
    ([('markdown', '# Title'), ('code', 'x = 2\nx + 1'), ('markdown', 'Done.')], '3\n')
"""

from __future__ import annotations

import base64
import doctest
import hashlib
import os
import re
import sys
import traceback
from pathlib import Path

from dlref_site.examples import blocks, fresh_state, parse

__all__ = [
    "ANSI",
    "PLAIN_REPR",
    "as_json",
    "cell_lines",
    "check_outputs",
    "execute",
    "for_readers",
    "format_outputs",
    "output_differences",
    "output_text",
    "outputs_file",
    "page_notebook",
    "read_outputs",
    "stable_cell_ids",
]

PLAIN_REPR = (
    "# Show values as the page does: Python's repr, not IPython's pretty-printer.\n"
    "%config PlainTextFormatter.pprint = False"
)
"""The first cell of a page's notebook."""

_CONTAINER = re.compile(r'^(?P<indent>\s*)(?:!!!|\?\?\?\+?|===)\s*(?P<kind>[\w-]*)?\s*(?:"(?P<title>[^"]*)")?\s*$')
_DIRECTIVE = re.compile(r"\s*#\s*(?:doctest|dlref):.*$", re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
"""A terminal escape sequence (colours, cursor moves) in recorded output: taken out wherever it is shown."""


def _cell(cell_type: str, source: str, metadata: dict | None = None):
    """A cell as nbformat's ``new_code_cell``/``new_markdown_cell`` make it, less their validation of
    each cell: ``new_notebook`` validates the whole notebook once, at a fraction of the cost."""
    from nbformat import from_dict
    from nbformat.corpus.words import generate_corpus_id

    cell = {"id": generate_corpus_id(), "cell_type": cell_type, "metadata": metadata or {}, "source": source}
    if cell_type == "code":
        cell |= {"execution_count": None, "outputs": []}
    return from_dict(cell)


def _prose(lines: list[str]):
    """A Markdown cell; admonitions, details and tabs become a bold title and an un-indented body."""
    out, open_at = [], []
    for line in lines:
        indent = len(line) - len(line.lstrip())
        while line.strip() and open_at and indent <= open_at[-1]:
            open_at.pop()
        body = line[4 * len(open_at) :] if line.startswith(" " * 4 * len(open_at)) else line.lstrip()
        header = _CONTAINER.match(body)
        if header:
            title = header["title"] if header["title"] is not None else (header["kind"] or "").capitalize()
            out.append(f"**{title}**" if title else "")
            open_at.append(indent)
        else:
            out.append(body)
    text = "\n".join(out).strip("\n")
    return _cell("markdown", text) if text.strip() else None


_LINK = re.compile(r"(\]\()(?![a-z][a-z0-9+.-]*:|/|#)([^)\s#]+\.(?:md|py|ipynb))(#[^)\s]*)?(\))")
_RAISES = (
    "try:\n{code}\nexcept Exception as error:  # raises on purpose, as the page shows; Run all goes on\n"
    '    print(f"{{type(error).__name__}}: {{error}}")'
)


def for_readers(notebook, link=None, wheel: str | None = None):
    """The notebook as readers download it: a first cell that says what to install (``wheel``: where
    dlref's wheel is, for notebooks that import it), and each relative link of its Markdown cells
    (``../linalg/norms.md#x``) turned by ``link`` into the page's address on the site."""
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    text = "**To run this notebook** you need PyTorch and the libraries it uses: "
    text += "`pip install torch numpy pandas matplotlib scikit-learn`."
    if re.search(r"^\s*(from|import) dlref\b", code, re.M):
        text += " Its *From scratch* cells also import dlref, "
        text += f"in the version this page ran with: `pip install {wheel}`." if wheel else "from the site's download."
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and link is not None:
            cell.source = _LINK.sub(lambda m: m[1] + (link(m[2]) or m[2]) + (m[3] or "") + m[4], cell.source)
    notebook.cells.insert(0, _cell("markdown", text))
    return stable_cell_ids(notebook)


def page_notebook(text: str, base: Path = Path(".")):
    """A reference page (its Markdown, snippets included from ``base``) as an nbformat v4 notebook.

    Each code cell holds consecutive examples up to one that shows an output or raises, so every
    cell ends with what the page shows; its metadata ``dlref`` keeps that output for the checks. An
    example that raises on purpose prints its error instead, so "Run all" goes on.
    """
    import nbformat

    page = parse(re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL), "page", [base])
    lines = page.text.split("\n")
    examples = iter(page.examples)
    cells, start = [], 0
    for first, _indent, body in blocks(lines):
        cells.append(_prose(lines[start : first - 1]))
        start = first + len(body) + 1
        sources: list[str] = []
        for example in (next(examples) for _ in doctest.DocTestParser().get_examples("\n".join(body) + "\n")):
            source = _DIRECTIVE.sub("", example.source).rstrip("\n")
            if example.example.exc_msg is not None:
                source = _RAISES.format(code=re.sub(r"(?m)^", "    ", source))
            sources.append(source)
            if example.want or example.example.exc_msg is not None:
                meta = {"want": example.want, "exc_msg": example.example.exc_msg, "line": example.line}
                meta["ellipsis"] = bool(example.example.options.get(doctest.ELLIPSIS))
                meta.update(rtol=example.rtol, atol=example.atol)
                cells.append(_cell("code", "\n".join(sources), {"dlref": meta}))
                sources = []
        if sources:
            cells.append(_cell("code", "\n".join(sources)))
    cells = [cell for cell in [*cells, _prose(lines[start:])] if cell is not None]
    if any(cell.cell_type == "code" for cell in cells):
        cells.insert(0, _cell("code", PLAIN_REPR))  # a kernel pretty-prints; the page shows repr
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    return stable_cell_ids(notebook)


def stable_cell_ids(notebook):
    """Ids from each cell's type and source (``-1``, ``-2`` for repeats): one text, one notebook.

    Examples:
        >>> import nbformat
        >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1") for _ in range(2)])
        >>> [cell.id for cell in stable_cell_ids(nb).cells]
        ['3523df12', '3523df12-1']
    """
    seen: dict[str, int] = {}
    for cell in notebook.cells:
        base = hashlib.sha1(f"{cell.cell_type}\0{cell.source}".encode()).hexdigest()[:8]
        seen[base] = seen.get(base, 0) + 1
        cell.id = f"{base}-{seen[base] - 1}" if seen[base] > 1 else base
    return notebook


def output_text(cell) -> tuple[str, str | None]:
    """What an executed code cell showed: its stdout and ``text/plain`` result, and ``"Name: message"``
    if it raised."""
    text, error = [], None
    for output in cell.get("outputs", []):
        if output.output_type == "stream" and output.name == "stdout":
            text.append(output.text)
        elif output.output_type == "execute_result":
            text.append(output.data.get("text/plain", "") + "\n")
        elif output.output_type == "error":
            error = f"{output.ename}: {output.evalue}\n"
    return "".join(text), error


# --- a walkthrough's printed outputs, stored beside it and checked like a page's --------------------

_OUTPUT_HEADER = re.compile(r"^=== cell (\d+), line (\d+) ===$", re.MULTILINE)
_MARKER = re.compile(r"^# %%")


def outputs_file(path: Path) -> Path:
    """Where the outputs of the walkthrough at ``path`` are stored: beside it, ``mlp.py`` ->
    ``mlp.outputs.txt``."""
    path = Path(path)
    return path.with_name(f"{path.stem}.outputs.txt")


def cell_lines(text: str) -> list[int]:
    r"""The line of each cell's ``# %%`` marker in a jupytext percent notebook's ``text`` (1-based).

    Examples:
        >>> cell_lines("# ---\n# jupyter: {}\n# ---\n\n# %% [markdown]\n# Hi\n\n# %%\nx = 1\n")
        [5, 8]
    """
    return [number for number, line in enumerate(text.splitlines(), 1) if _MARKER.match(line)]


def read_outputs(text: str) -> dict[int, str]:
    r"""The stored outputs, by code cell number, from [`format_outputs`][dlref_site.notebooks.format_outputs]'s text.

    Examples:
        >>> read_outputs("# note\n\n=== cell 2, line 9 ===\n0.5\nok\n\n=== cell 4, line 20 ===\ndone\n")
        {2: '0.5\nok\n', 4: 'done\n'}
    """
    found, headers = {}, list(_OUTPUT_HEADER.finditer(text))
    for index, header in enumerate(headers):
        after = headers[index + 1] if index + 1 < len(headers) else None
        body = text[header.end() + 1 : after.start() if after else len(text)]
        found[int(header[1])] = body.removesuffix("\n") if after else body
    return found


def _shown(notebook) -> list[tuple[int, str]]:
    """``(code cell number, what it printed)`` for each code cell that printed something."""
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    found = []
    for number, cell in enumerate(code, 1):
        printed, error = output_text(cell)
        text = printed + (error or "")
        if text.strip():
            found.append((number, ANSI.sub("", text)))
    return found


def format_outputs(name: str, notebook, lines: list[int] | None = None) -> str:
    """The text stored beside walkthrough ``name``: what each of its executed code cells printed (its
    stdout and ``text/plain`` results), under a header with the cell's number and line."""
    code_lines = _code_lines(notebook, lines)
    out = [
        f"# What {name} prints, cell by cell: the build and the tests check each cell's",
        "# output against this file (exactly on the reference platform). scripts/update-outputs",
        "# rewrites it from a run of the notebook.",
    ]
    for number, text in _shown(notebook):
        if _OUTPUT_HEADER.search(text):
            raise ValueError(f"{name}, cell {number}: its output has a line that looks like this file's headers")
        text = "\n".join(line.rstrip() for line in text.removesuffix("\n").split("\n"))  # as compared
        out += ["", f"=== cell {number}, line {code_lines.get(number, 0)} ===", text]
    return "\n".join(out) + "\n"


def _code_lines(notebook, lines: list[int] | None) -> dict[int, int]:
    """Code cell number -> the line of its marker, when ``lines`` has one line per cell."""
    if lines is None or len(lines) != len(notebook.cells):
        return {}
    code = [line for cell, line in zip(notebook.cells, lines, strict=True) if cell.cell_type == "code"]
    return dict(enumerate(code, 1))


def output_differences(name: str, notebook, stored: str, lines: list[int] | None = None) -> list[dict]:
    """Each code cell whose printed output is not exactly the ``stored`` one: its ``file``, ``line``,
    ``cell``, ``source``, ``expected`` and ``actual`` text, and whether it is ``within_tolerance`` (the tolerances
    used off the reference platform)."""
    from dlref_site.check import RTOL, check

    want, got = read_outputs(stored), dict(_shown(notebook))
    code_lines = _code_lines(notebook, lines)
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    found = []
    for number in sorted(set(want) | set(got)):
        expected, actual = want.get(number, ""), got.get(number, "")
        if not check(expected, actual):
            record = {"file": name, "line": code_lines.get(number), "cell": number, "source": sources[number - 1]}
            record.update(expected=expected, actual=actual, within_tolerance=check(expected, actual, rtol=RTOL))
            found.append(record)
    return found


def check_outputs(name: str, notebook, stored: str, exact: bool, lines: list[int] | None = None) -> list[str]:
    """Reports, naming ``file:line``, of each code cell whose output differs from the ``stored`` text
    (exactly on the reference platform, else numbers within tolerance, as a page's outputs)."""
    from dlref_site.check import RTOL, first_difference

    reports = []
    for found in output_differences(name, notebook, stored, lines):
        if not exact and found["within_tolerance"]:
            continue
        expected, actual = found["expected"], found["actual"]
        where = f"{name}:{found['line']}" if found["line"] else name
        how = "exactly" if exact else f"with rtol={RTOL}"
        detail = first_difference(expected, actual, rtol=None if exact else RTOL)
        reports.append(
            f"{where}: cell {found['cell']} printed what {outputs_file(Path(name)).name} does not show ({how})\n"
            f"Expected:\n{_indent(expected) or '    (nothing)'}\nGot:\n{_indent(actual) or '    (nothing)'}\n{detail}"
        )
    return reports


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.rstrip("\n").split("\n")) if text.strip() else ""


def _read(path: Path):
    import jupytext
    import nbformat

    if path.suffix == ".ipynb":
        return nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    return stable_cell_ids(jupytext.read(path))


def execute(path: Path, allow_errors: bool = False, name: str | None = None):
    """Run the notebook at ``path`` (jupytext ``.py`` or ``.ipynb``) in its folder; record its outputs.

    Stops at the first cell that raises, unless ``allow_errors`` (then the error is recorded as the
    cell's output and the next cell runs, as nbclient's ``allow_errors``). Meant for a fresh process:
    IPython's shell is a process-wide singleton and a notebook may change global state.

    Returns:
        The executed notebook, and ``None`` or the first failing cell's ``file:line`` (``name``,
        default ``path``, and the line of the page where it raised), source and traceback.
    """
    import nbformat
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    notebook = _read(Path(path))
    lines = cell_lines(Path(path).read_text(encoding="utf-8")) if Path(path).suffix == ".py" else []
    markers = {id(cell): line for cell, line in zip(notebook.cells, lines, strict=False)}
    if len(lines) != len(notebook.cells):
        markers = {}
    outputs: list = []
    count = 0

    def add(output_type: str, **fields: object) -> None:
        outputs.append(nbformat.from_dict({"output_type": output_type, **fields}))

    def bundle(data: dict) -> dict:
        return {k: base64.b64encode(v).decode() if isinstance(v, bytes) else v for k, v in data.items()}

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            add("display_data", data=bundle(data), metadata=metadata or {})

        def clear_output(self, wait=False):
            outputs.clear()

    class Hook(DisplayHook):
        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            add("execute_result", data=bundle(format_dict), metadata=md_dict or {}, execution_count=count)

        def finish_displayhook(self):
            pass

    class Stream:
        encoding = "utf-8"

        def __init__(self, name: str) -> None:
            self.name = name

        def write(self, text: str) -> int:
            if outputs and outputs[-1].output_type == "stream" and outputs[-1].name == self.name:
                outputs[-1].text += text
            elif text:
                add("stream", name=self.name, text=text)
            return len(text)

        def flush(self) -> None:
            pass

        def isatty(self) -> bool:
            return False

    class Shell(InteractiveShell):
        def enable_gui(self, gui=None):  # inline figures need no event loop
            pass

        def showtraceback(self, exc_tuple=None, filename=None, tb_offset=None, exception_only=False, **kwargs):
            etype, value, tb = exc_tuple or sys.exc_info()
            frames = self.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
            add("error", ename=etype.__name__, evalue=str(value), traceback=frames)
            errors.append(ANSI.sub("", "\n".join(frames)))
            cell_name = f"<ipython-input-{count}-"  # how IPython names the code it compiles for a cell
            in_cell = [line for frame, line in traceback.walk_tb(tb) if frame.f_code.co_filename.startswith(cell_name)]
            raised_at.append(in_cell[-1] if in_cell else getattr(value, "lineno", None) or 1)

        def showsyntaxerror(self, filename=None, running_compiled_code=False):
            self.showtraceback()

    errors: list[str] = []
    raised_at: list[int] = []  # the line, within its cell, of each error's innermost frame there
    config = Config()
    config.HistoryManager.enabled = False  # no ~/.ipython history of every page of every build
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Plain"  # the frames as Python prints them
    shell = Shell.instance(display_pub_class=Publisher, displayhook_class=Hook, config=config)
    shell.enable_matplotlib("inline")
    import matplotlib.pyplot

    # pyplot's own after-cell hook draws each changed figure for a window; inline there is none, and
    # the inline backend draws the figure again for its PNG: without pyplot's hook, the same PNGs.
    matplotlib.pyplot.uninstall_repl_displayhook()
    shell.configurables.append(shell.display_formatter.formatters["text/plain"])  # for %config in a cell
    fresh_state()
    os.chdir(Path(path).parent)
    saved, first_error = (sys.stdout, sys.stderr), None
    try:
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            count += 1
            outputs = cell.outputs = []
            errors.clear()
            raised_at.clear()
            sys.stdout, sys.stderr = Stream("stdout"), Stream("stderr")
            try:
                shell.run_cell(cell.source, store_history=True)
            finally:
                sys.stdout, sys.stderr = saved
            cell.execution_count = count
            if errors and first_error is None:
                shown = name or str(path)
                where = f"{shown}:{markers[id(cell)] + raised_at[0]}" if id(cell) in markers else shown
                first_error = f"{where}: cell {count} raised\n{cell.source}\n\n{errors[0]}"
                if not allow_errors:
                    break
    finally:
        sys.stdout, sys.stderr = saved
    return notebook, first_error


def as_json(notebook) -> str:
    """The notebook as nbformat writes it (a trailing newline), for a download or the cache."""
    import nbformat

    return nbformat.writes(notebook) + "\n"


def read_json(text: str):
    """A notebook from [`as_json`][dlref_site.notebooks.as_json]'s text."""
    import nbformat

    return nbformat.reads(text, as_version=4)
