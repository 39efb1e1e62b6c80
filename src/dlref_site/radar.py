r"""``scripts/radar``: check every page, notebook and docstring under other versions of torch (NumPy, pandas).

A maintainer's command, not part of ``scripts/test``. Given versions to try, it makes (or reuses) a
virtual environment under ``.radar/`` with the project installed at every version ``constraints.txt``
pins except the ones overridden, then runs every Markdown page, walkthrough notebook and docstring
of ``src/`` in check mode through the project's [`Runner`][dlref_site.runner.Runner] (a fresh
process each, the same parser and checker as the build) and writes a JSON report. It never rewrites
a page.

Each example's output is compared exactly, as on the reference platform, so the report lists every
output whose text changed; each difference also says whether it is ``within_tolerance`` (the
comparison the build makes off the reference platform). A page's status is ``same`` (every output as
shown), ``tolerance`` (only differences within tolerance), ``differs`` (an output differs beyond
tolerance) or ``fails`` (an example raised where the page shows an output, a cell raised, the page
could not run).

The reports in ``reports/radar/`` make the site's Versions page
([`versions_markdown`][dlref_site.radar.versions_markdown]) and the "checked on" line of each page
([`checked_note`][dlref_site.radar.checked_note]).

Examples:
    >>> status([{"within_tolerance": True}], []), status([{"within_tolerance": False}], []), status([], [])
    ('tolerance', 'differs', 'same')
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import as_completed
from pathlib import Path

from dlref_site.examples import fence

__all__ = [
    "MARKER",
    "REPORTS",
    "VERSIONS_PAGE",
    "after_title",
    "anchor",
    "checked_note",
    "collect",
    "constraints_without",
    "environment",
    "load_reports",
    "main",
    "reason_key",
    "status",
    "versions_markdown",
]

REPORTS = Path("reports") / "radar"
"""Where the committed reports live, relative to the project."""
VERSIONS_PAGE = "versions.md"
"""The site's Versions page (``docs/versions.md``), which the plugin fills from the reports."""
_FORMAT = 1  # bump when the report's layout changes
_PACKAGES = ("torch", "numpy", "pandas")  # the versions a report is named by and the page shows
MARKER = "<!-- dlref: versions -->"
"""Where ``docs/versions.md`` takes the generated part."""
_STATUSES = ("same", "tolerance", "differs", "fails")
_DEVICE_NAMES = {"cpu": "CPU", "cuda": "CUDA"}


def status(differences: Sequence[dict], failures: Sequence[dict]) -> str:
    """A page's status from its differing outputs and its failures (see the module's docstring)."""
    if failures:
        return "fails"
    if any(not d["within_tolerance"] for d in differences):
        return "differs"
    return "tolerance" if differences else "same"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(project: Path) -> dict[str, str]:
    """``constraints.txt``'s pins, by canonical name."""
    pins = {}
    for line in (project / "constraints.txt").read_text(encoding="utf-8").splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            pins[_canonical(name)] = version.strip()
    return pins


# --- in the radar's environment: run everything, build the report --------------------------------


def _example_record(example, kind: str) -> dict:
    from dlref_site.check import check

    record = {"file": example.path, "line": example.line, "source": example.source, "expected": example.want}
    if example.error is not None:
        return {**record, "error": example.error}
    ellipsis = bool(example.example.options.get(__import__("doctest").ELLIPSIS))
    within = check(example.want, example.got, ellipsis=ellipsis, rtol=example.rtol, atol=example.atol)
    if example.example.exc_msg is not None:  # an expected exception: compare its message
        got = example.got.rsplit("Traceback (most recent call last):\n", 1)[-1]
        within = check(example.example.exc_msg, got, ellipsis=ellipsis, rtol=example.rtol, atol=example.atol)
    return {**record, "actual": example.got, "within_tolerance": within, "kind": kind}


def _records(page) -> tuple[list[dict], list[dict]]:
    """A run page's differences and failures (each example that did not pass exactly)."""
    differences, failures = [], []
    for example in page.failures:
        record = _example_record(example, "output")
        (failures if "error" in record else differences).append(record)
    return differences, failures


def check_page(name: str, text: str, bases: list[str]):
    """Task for a fresh process: run a page's examples, compare exactly; the records go in ``shown``."""
    from dlref_site.examples import parse, run
    from dlref_site.runner import Outcome

    page = run(parse(text, name, [Path(b) for b in bases]), exact=True)
    differences, failures = _records(page)
    found = {"examples": len(page.examples), "differences": differences, "failures": failures}
    return Outcome(page.passed, shown=json.dumps(found), examples=len(page.examples))


def check_notebook(path: str, name: str, stored: str):
    """Task for a fresh process: execute a walkthrough and compare what each cell printed with its
    stored outputs, exactly; the records go in ``shown``."""
    from dlref_site.notebooks import cell_lines, execute, output_differences
    from dlref_site.runner import Outcome

    lines = cell_lines(Path(path).read_text(encoding="utf-8")) if path.endswith(".py") else None
    notebook, error = execute(Path(path), name=name)
    failures = [] if error is None else [{"file": name, "error": error}]
    differences = output_differences(name, notebook, stored, lines) if error is None else []
    cells = sum(cell.cell_type == "code" for cell in notebook.cells)
    found = {"examples": cells, "differences": differences, "failures": failures, "outputs_checked": True}
    return Outcome(not differences and not failures, shown=json.dumps(found), examples=cells)


def check_docstrings(module_name: str):
    """Task for a fresh process: run one module's docstring examples, as ``run_docstrings`` does."""
    import doctest
    import importlib

    from dlref_site.examples import docstring_page, run
    from dlref_site.runner import Outcome

    module = importlib.import_module(module_name)
    differences, failures, count = [], [], 0
    for test in doctest.DocTestFinder(exclude_empty=True).find(module):
        if getattr(test, "filename", None) and Path(test.filename).resolve() != Path(module.__file__).resolve():
            continue  # a name imported from another module: checked there
        page = run(docstring_page(test), True, dict(test.globs))
        found = _records(page)
        differences += found[0]
        failures += found[1]
        count += len(page.examples)
    found = {"examples": count, "differences": differences, "failures": failures}
    return Outcome(not differences and not failures, shown=json.dumps(found), examples=count)


def _modules(project: Path) -> list[tuple[str, str]]:
    """``(file, module)`` for every module of ``src/`` (the docstrings pytest runs)."""
    found = []
    for path in sorted((project / "src").rglob("*.py")):
        relative = path.relative_to(project / "src")
        module = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        if "doctest" in path.read_text(encoding="utf-8") or ">>> " in path.read_text(encoding="utf-8"):
            found.append((path.relative_to(project).as_posix(), module))
    return found


def _relative(project: Path, record: dict) -> dict:
    path = Path(record["file"])
    if path.is_absolute() and path.is_relative_to(project):
        record["file"] = path.relative_to(project).as_posix()
    return record


def _environment(device: str) -> dict:
    import importlib.metadata
    import platform

    import torch

    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    versions["python"] = platform.python_version()
    where = {"device": device.split(":")[0], "device_name": platform.processor() or platform.machine()}
    if device.startswith("cuda"):
        where["device_name"] = torch.cuda.get_device_name(device)
    return {
        "versions": versions,
        **where,
        "platform": platform.platform(),
        "cores": os.cpu_count(),
    }


def collect(project: Path, device: str | None = None, only: Iterable[str] = (), progress=None) -> dict:
    """Run every page, notebook and docstring of ``project`` in check mode here; return the report.

    ``only``: project-relative paths to run (pages, notebooks or ``src/`` modules); default all.
    ``progress``: called with a line per finished item (default: print to stderr).
    """
    from dlref.device import resolve_device
    from dlref_site import cache
    from dlref_site.examples import parse
    from dlref_site.notebooks import outputs_file
    from dlref_site.runner import Runner, submit

    project = Path(project).resolve()
    progress = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    device = None if device is None else str(resolve_device(device))  # a device this machine lacks: stop now
    runner = Runner(project, device=device, cache_dir=None)
    wanted = set(only)

    def chosen(name: str) -> bool:
        return not wanted or name in wanted

    futures: dict[str, tuple[str, object]] = {}
    for path in sorted((project / "docs").rglob("*.md")):
        name = path.relative_to(project).as_posix()
        text = path.read_text(encoding="utf-8")
        if chosen(name) and parse(text, name, [project]).examples:
            futures[name] = "page", submit(check_page, name, text, runner.bases, tag=runner.prefix)
    for path in sorted((project / "docs").rglob("*.py")):
        name = path.relative_to(project).as_posix()
        stored = outputs_file(path)
        if chosen(name):
            stored_text = stored.read_text(encoding="utf-8") if stored.is_file() else ""
            futures[name] = "notebook", submit(check_notebook, str(path), name, stored_text, tag=runner.prefix)
    for name, module in _modules(project):
        if chosen(name):
            futures[name] = "docstrings", submit(check_docstrings, module, tag=runner.prefix)
    pins = _pins(project)
    installed = {_canonical(n): v for n, _, v in (item.partition("==") for item in cache.distributions())}
    changed = {
        name: {"pinned": pins[name], "installed": installed.get(name)}
        for name in sorted(pins)
        if name in installed and installed[name].split("+")[0] != pins[name]
    }
    report = {
        "format": _FORMAT,
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **_environment(runner.device),
        "reference": {name: pins.get(name) for name in _PACKAGES},
        "changed_from_constraints": changed,
        "compared": "exactly; each difference says whether it is within the tolerances used off the reference platform",
        "summary": {},
        "pages": {},
    }
    started, names = time.monotonic(), {future: name for name, (_, future) in futures.items()}
    for number, future in enumerate(as_completed(names), 1):
        name, kind, outcome = names[future], futures[names[future]][0], future.result()
        entry: dict = {"kind": kind, "examples": outcome.examples}
        try:
            found = json.loads(outcome.shown)
        except ValueError:  # the process failed before the page's examples could report
            found = {"examples": 0, "differences": [], "failures": [{"file": name, "error": outcome.report}]}
        if found.get("outputs_checked"):
            entry["outputs_checked"] = True  # a walkthrough's printed outputs, not only that it ran
        entry.update(
            examples=found["examples"],
            differences=[_relative(project, r) for r in found["differences"]],
            failures=[_relative(project, r) for r in found["failures"]],
        )
        entry["status"] = status(entry["differences"], entry["failures"])
        report["pages"][name] = entry
        elapsed = time.monotonic() - started
        progress(f"[{number}/{len(futures)} {elapsed:.0f}s] {name}: {entry['status']}")
    report["pages"] = dict(sorted(report["pages"].items()))
    statuses = [e["status"] for e in report["pages"].values()]
    report["summary"] = {s: statuses.count(s) for s in _STATUSES}
    return report


def _collect_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlref_site.radar collect")
    parser.add_argument("--out", type=Path, help="the report (default: REPORTS/<name>-<device>.json)")
    parser.add_argument("--name", default="current", help="what the report file is named by")
    parser.add_argument("--device", default=None)
    parser.add_argument("only", nargs="*")
    args = parser.parse_args(argv)
    from dlref.device import DeviceError

    try:
        report = collect(Path.cwd(), args.device, args.only)
    except DeviceError as error:
        print(f"radar: {error}", file=sys.stderr)
        return 2
    out = args.out or Path.cwd() / REPORTS / f"{args.name}-{report['device']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"radar: {report['summary']} -> {out}", file=sys.stderr)
    return 0


# --- on the maintainer's side: the environment, then the run --------------------------------------


def _spec(overrides: dict[str, str]) -> str:
    return "-".join(f"{name}-{version}" for name, version in sorted(overrides.items()))


def constraints_without(text: str, names: Iterable[str]) -> list[str]:
    r"""The lines of a constraints file less the pins of ``names`` (any spelling of each).

    Examples:
        >>> constraints_without("# pins\ntorch==2.13.0\ntyping_extensions==4.16.0\n", ["Typing-Extensions"])
        ['# pins', 'torch==2.13.0']
    """
    dropped = {_canonical(n) for n in names}
    return [
        line for line in text.splitlines() if _canonical(line.split("#")[0].partition("==")[0].strip()) not in dropped
    ]


def environment(project: Path, overrides: dict[str, str], unpin: Sequence[str] = (), log=print) -> Path:
    """The virtual environment under ``.radar/`` for ``overrides``; made or brought up to date here.

    It holds the project (editable) with its docs and test tools at every version ``constraints.txt``
    pins except those in ``overrides`` (installed at the version given) and ``unpin`` (left to pip).
    Reused as long as ``pyproject.toml``, ``constraints.txt`` and the request are unchanged.
    """
    folder = project / ".radar" / "venvs" / _spec(overrides)
    python = folder / "bin" / "python"
    dropped = {_canonical(n) for n in [*overrides, *unpin]}
    kept = constraints_without((project / "constraints.txt").read_text(encoding="utf-8"), dropped)
    want = hashlib.sha256(
        "\n".join([(project / "pyproject.toml").read_text(encoding="utf-8"), *kept, *sorted(dropped)]).encode()
    ).hexdigest()
    stamp = folder / ".dlref-radar"
    if python.exists() and stamp.is_file() and stamp.read_text(encoding="utf-8") == want:
        log(f"radar: reusing {folder.relative_to(project)}")
        return folder
    if not python.exists():
        log(f"radar: creating {folder.relative_to(project)}")
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    constraints = folder / "constraints.txt"
    constraints.write_text("\n".join(kept) + "\n", encoding="utf-8")
    requested = [f"{name}=={version}" for name, version in sorted(overrides.items())]
    log(f"radar: installing {', '.join(requested)} and the project into {folder.relative_to(project)}")
    command = [str(python), "-m", "pip", "install", "--progress-bar", "off", "-c", str(constraints)]
    subprocess.run([*command, "-e", f"{project}[docs,test]", *requested], check=True)
    stamp.write_text(want, encoding="utf-8")
    return folder


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["collect"]:
        return _collect_main(argv[1:])
    parser = argparse.ArgumentParser(prog="scripts/radar", description=__doc__.split("\n")[0])
    parser.add_argument("--torch", help="a torch version instead of constraints.txt's, e.g. 2.14.1")
    parser.add_argument("--numpy", help="a NumPy version instead of constraints.txt's")
    parser.add_argument("--pandas", help="a pandas version instead of constraints.txt's")
    parser.add_argument(
        "--unpin",
        action="append",
        default=[],
        metavar="NAME",
        help="leave NAME's version to pip (a pin the requested versions conflict with); repeatable",
    )
    parser.add_argument("--device", help="where pages run (default: $DLREF_DEVICE, else as dlref chooses)")
    parser.add_argument("--out", type=Path, help=f"the report (default: {REPORTS}/<versions>-<device>.json)")
    parser.add_argument("only", nargs="*", help="pages, notebooks or src/ modules to run (default: all)")
    args = parser.parse_args(argv)
    project = Path(__file__).resolve().parents[2]
    overrides = {name: getattr(args, name) for name in _PACKAGES if getattr(args, name)}
    if not overrides:
        parser.error("name a version to check: --torch, --numpy or --pandas")
    folder = environment(project, overrides, args.unpin)
    device = args.device or os.environ.get("DLREF_DEVICE", "").strip() or None
    environ = {**os.environ, "DLREF_CACHE": "0"}
    environ.pop("DLREF_FORK_SERVER", None)  # a server from this environment's versions, not the caller's
    if device:
        environ["DLREF_DEVICE"] = device
    command = [str(folder / "bin" / "python"), "-m", "dlref_site.radar", "collect", "--name", _spec(overrides)]
    command += [*(["--device", device] if device else []), *(["--out", str(args.out)] if args.out else []), *args.only]
    print(f"radar: running every page, notebook and docstring under {folder.relative_to(project)}", file=sys.stderr)
    return subprocess.run(command, cwd=project, env=environ).returncode


# --- the site: the Versions page and each page's "checked on" line --------------------------------


def load_reports(project: Path) -> list[dict]:
    """The committed reports, oldest torch first."""
    reports = []
    for path in sorted((Path(project) / REPORTS).glob("*.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        if report.get("format") == _FORMAT:
            reports.append({**report, "file": path.name})
    return sorted(reports, key=lambda r: (_version_key(r["versions"]["torch"]), r["device"]))


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.+]", version.split("+")[0]))


def _label(report: dict) -> str:
    v, device = report["versions"], _DEVICE_NAMES.get(report["device"], report["device"])
    return f"torch {v['torch']} (NumPy {v['numpy']}, pandas {v['pandas']}) on {device}"


def _short(report: dict) -> str:
    """torch's version and the device, with NumPy's and pandas' where they are not the pinned ones."""
    v, pinned = report["versions"], report.get("reference", {})
    others = [
        f", {label} {v[n]}"
        for n, label in (("numpy", "NumPy"), ("pandas", "pandas"))
        if v.get(n) not in (None, pinned.get(n))
    ]
    return f"torch {v['torch']}{''.join(others)} ({_DEVICE_NAMES.get(report['device'], report['device'])})"


# What the site says, in each of its languages (a translated page gets its language's note and its
# Versions page; the reports' reasons are quoted as they are written).
_TEXT = {
    "en": {
        "same": "every output as shown",
        "tolerance": "outputs within tolerance",
        "differs": "outputs differ",
        "fails": "fails",
        "counted": {"same": "as shown", "tolerance": "within tolerance", "differs": "differ", "fails": "fail"},
        "unchecked": "not yet checked on other versions",
        "reference": "torch {torch} ({device}, {how})",
        "exact": "exactly",
        "tolerant": "with tolerances",
        "ran": "every cell ran",
        "note": "*Outputs checked on {reference} by this build; {elsewhere}.* [Versions]({link}#{target})",
        "elsewhere": "by the radar on {seen}",
        "join": "; ",
        "reports": "The reports",
        "none_yet": "No report yet: run `scripts/radar`.",
        "report": "- **{label}**, Python {python}, {platform}, {cores} cores, {date}: {counts} (`{file}`).",
        "by_page": "Page by page",
        "column": "Page or module",
        "differ": "Outputs that differ",
        "none": "None: every output is as shown on every version checked.",
        "fails_on": "{where} on {version}: fails",
        "differs_on": "{where} on {versions}: differs, {close}",
        "within": "within tolerance",
        "beyond": "beyond tolerance",
        "shown": "Shown (constraints.txt: {pins}):",
        "on": "On {versions}:",
        "why": "Why: {reason}",
        "no_reason": "Reason not established.",
    },
    "zh": {
        "same": "所有输出与页面一致",
        "tolerance": "输出在容差之内",
        "differs": "输出不同",
        "fails": "运行失败",
        "counted": {"same": "一致", "tolerance": "在容差之内", "differs": "不同", "fails": "失败"},
        "unchecked": "尚未在其他版本上核对",
        "reference": "torch {torch}（{device}，{how}）",
        "exact": "精确比较",
        "tolerant": "容差内比较",
        "ran": "每个单元格都运行成功",
        "note": "*本页输出由本次构建在 {reference} 上核对；{elsewhere}。* [版本]({link}#{target})",
        "elsewhere": "版本雷达核对过：{seen}",
        "join": "；",
        "reports": "报告",
        "none_yet": "还没有报告：运行 `scripts/radar`。",
        "report": "- **{label}**，Python {python}，{platform}，{cores} 核，{date}：{counts}（`{file}`）。",
        "by_page": "逐页结果",
        "column": "页面或模块",
        "differ": "不同的输出",
        "none": "没有：在核对过的每个版本上，每个输出都与页面一致。",
        "fails_on": "{where} 在 {version} 上：运行失败",
        "differs_on": "{where} 在 {versions} 上：输出不同，{close}",
        "within": "在容差之内",
        "beyond": "超出容差",
        "shown": "页面显示（constraints.txt：{pins}）：",
        "on": "在 {versions} 上：",
        "why": "原因：{reason}",
        "no_reason": "原因尚未查明。",
    },
}


def checked_note(name: str, reports: Sequence[dict], reference: str, link: str, language: str = "en") -> str:
    r"""The one-line note a page shows: where its outputs were checked, linking to the Versions page.

    ``reference``: what this build ran the page with; ``language``: the page's (``en`` or ``zh``).

    Examples:
        >>> report = {"versions": {"torch": "2.4.0"}, "device": "cpu", "pages": {"a.md": {"status": "same"}}}
        >>> print(checked_note("a.md", [report], "torch 2.13.0 (cpu, exactly)", "versions.md").replace("; ", ";\n"))
        *Outputs checked on torch 2.13.0 (cpu, exactly) by this build;
        by the radar on torch 2.4.0 (CPU): every output as shown.* [Versions](versions.md#page-by-page)
        >>> checked_note("b.md", [report], "torch 2.13.0 (cpu, exactly)", "versions.md").split("; ")[1]
        'not yet checked on other versions.* [Versions](versions.md#page-by-page)'
        >>> zh = checked_note("a.md", [report], "torch 2.13.0（cpu，精确比较）", "versions.md", "zh")
        >>> print(zh.replace("；", "；\n"))
        *本页输出由本次构建在 torch 2.13.0（cpu，精确比较） 上核对；
        版本雷达核对过：torch 2.4.0 (CPU)：所有输出与页面一致。* [版本](versions.md#page-by-page)
    """
    text = _TEXT[language]
    colon = "：" if language == "zh" else ": "
    seen = [f"{_short(r)}{colon}{text[r['pages'][name]['status']]}" for r in reports if name in r["pages"]]
    elsewhere = text["elsewhere"].format(seen=text["join"].join(seen)) if seen else text["unchecked"]
    differs = any(r["pages"][name]["status"] != "same" for r in reports if name in r["pages"])
    target = anchor(name) if differs else "page-by-page"
    return text["note"].format(reference=reference, elsewhere=elsewhere, link=link, target=target)


def reference(torch: str, device: str, exact: bool, language: str = "en") -> str:
    """What this build ran the pages with, as a page's note says it.

    Examples:
        >>> reference("2.13.0", "cpu", True), reference("2.13.0", "cuda", False, "zh")
        ('torch 2.13.0 (cpu, exactly)', 'torch 2.13.0（cuda，容差内比较）')
    """
    text = _TEXT[language]
    return text["reference"].format(torch=torch, device=device, how=text["exact" if exact else "tolerant"])


def anchor(name: str) -> str:
    """The Versions page's anchor for a page: its path with ``/`` as ``-``."""
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name.removeprefix("docs/"))


def after_title(markdown: str, line: str) -> str:
    r"""``markdown`` with ``line`` as a paragraph after its first ``# `` heading (at the top if none).

    Examples:
        >>> after_title("# Title\n\nText\n", "*note*")
        '# Title\n\n*note*\n\nText\n'
    """
    lines = markdown.split("\n")
    at = next((i + 1 for i, text in enumerate(lines) if text.startswith("# ")), 0)
    head, rest = lines[:at], lines[at:]
    while rest and not rest[0].strip():
        rest.pop(0)
    return "\n".join([*head, *([""] if head else []), line, "", *rest])


def _fence(text: str) -> str:
    return fence(text.rstrip("\n") or "(nothing)", "text")


def _quote(text: str, indent: str = "    ") -> str:
    return "\n".join(indent + line if line else "" for line in text.splitlines())


def versions_markdown(
    project: Path, pages: Sequence[str], reasons: dict[str, str] | None = None, language: str = "en"
) -> str:
    """The Versions page's generated part: the reports, a table of where each page was checked, and
    each output that differs, with what the page shows, what the other version printed, and why, in
    ``language`` (``en`` or ``zh``; its sections keep the same anchors in both).

    ``pages``: the project-relative paths of the site's pages and notebooks, in order; a page that no
    report names says so. The modules whose docstrings the reports checked follow. ``reasons``:
    why an output differs, by [`reason_key`][dlref_site.radar.reason_key] (default: the reports'
    ``reasons.json``); an output with none says that the reason is not established.
    """
    text = _TEXT[language]
    reports = load_reports(project)
    reasons = reasons if reasons is not None else _reasons(project)
    lines = [f"## {text['reports']} {{#the-reports}}", ""]
    if not reports:
        lines += [text["none_yet"], ""]
    for report in reports:
        counts = ", ".join(f"{report['summary'].get(s, 0)} {text['counted'][s]}" for s in _STATUSES)
        lines.append(
            text["report"].format(
                label=_label(report),
                python=report["versions"]["python"],
                platform=report["platform"],
                cores=report["cores"],
                date=report["created"][:10],
                counts=counts,
                file=f"{REPORTS.as_posix()}/{report['file']}",
            )
        )
    modules = sorted({n for r in reports for n, e in r["pages"].items() if e["kind"] == "docstrings"})
    names = [*pages, *(m for m in modules if m not in pages)]
    lines += ["", f"## {text['by_page']} {{#page-by-page}}", ""]
    lines.append(f"| {text['column']} | " + " | ".join(_short(r) for r in reports) + " |")
    lines.append("|---" * (len(reports) + 1) + "|")
    for name in names:
        cells = []
        for report in reports:
            entry = report["pages"].get(name)
            if entry is None:
                cells.append(text["unchecked"])
            elif entry["status"] in ("differs", "fails", "tolerance"):
                cells.append(f"[{text[entry['status']]}](#{anchor(name)})")
            elif entry["kind"] == "notebook" and not entry.get("outputs_checked"):  # a report from before
                cells.append(text["ran"])  # walkthrough outputs were stored: its asserts held
            else:
                cells.append(text[entry["status"]])
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    lines += ["", f"## {text['differ']} {{#outputs-that-differ}}", ""]
    shown = False
    for name in names:
        entries = [(r, r["pages"][name]) for r in reports if name in r["pages"]]
        if not any(e["differences"] or e["failures"] for _, e in entries):
            continue
        shown = True
        lines += [f"### `{name}` {{#{anchor(name)}}}", ""]
        same: dict[tuple, list[dict]] = {}  # one output that differs alike on several versions: shown once
        for report, entry in entries:
            for record in entry["differences"]:
                key = tuple(record[k] for k in ("file", "line", "source", "expected", "actual", "within_tolerance"))
                same.setdefault(key, []).append(report)
        for key, found in same.items():
            record = dict(zip(("file", "line", "source", "expected", "actual", "within"), key, strict=True))
            lines += _difference(found, record, reasons, text)
        for report, entry in entries:
            for record in entry["failures"]:
                where = f"{record['file']}:{record['line']}" if "line" in record else record["file"]
                title = text["fails_on"].format(where=where, version=_short(report))
                lines += [f'??? failure "{title}"', "", _quote(_fence(record["error"])), ""]
    if not shown:
        lines += [text["none"], ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _difference(reports: list[dict], record: dict, reasons: dict[str, str], text: dict) -> list[str]:
    where = "; ".join(_short(r) for r in reports)
    close = text["within"] if record["within"] else text["beyond"]
    title = text["differs_on"].format(where=f"{record['file']}:{record['line']}", versions=where, close=close)
    pins = ", ".join(f"{n} {v}" for n, v in reports[0]["reference"].items())
    return [
        f'??? info "{title}"',
        "",
        _quote(_fence(">>> " + record["source"].rstrip("\n").replace("\n", "\n... "))),
        "",
        "    " + text["shown"].format(pins=pins),
        "",
        _quote(_fence(record["expected"])),
        "",
        "    " + text["on"].format(versions=where),
        "",
        _quote(_fence(record["actual"])),
        "",
        "    " + text["why"].format(reason=reasons.get(reason_key(record), text["no_reason"])),
        "",
    ]


def reason_key(record: dict) -> str:
    """How ``reasons.json`` names a differing output: its file and the first line of its example (a
    line number would move whenever the page is edited).

    Examples:
        >>> reason_key({"file": "docs/a.md", "line": 9, "source": "torch.arange(3)\\n"})
        'docs/a.md: torch.arange(3)'
    """
    return f"{record['file']}: {record['source'].splitlines()[0]}"


def _reasons(project: Path) -> dict[str, str]:
    path = Path(project) / REPORTS / "reasons.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


if __name__ == "__main__":  # the tasks sent to fresh processes must be named dlref_site.radar, not __main__
    from dlref_site.radar import main as _main

    raise SystemExit(_main())
