"""The version radar: its report names each differing output and each failure, it never rewrites a page,
the Versions page shows what the reports hold, and pyproject.toml claims only what they support."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.version import Version

from dlref_site import radar

ROOT = Path(__file__).resolve().parents[2]

PLANTED = """# Planted

```pycon
>>> 2 + 2
4
>>> 6 * 7
41
>>> 1 / 3
0.33333333333333
>>> {}["missing"]
1
>>> print("still runs")
still runs
```
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with the reference pins, one page with planted differences, one that passes, a
    walkthrough whose cell raises and one whose stored output differs."""
    shutil.copy(ROOT / "constraints.txt", tmp_path / "constraints.txt")
    (tmp_path / "docs" / "area").mkdir(parents=True)
    (tmp_path / "docs" / "area" / "planted.md").write_text(PLANTED, encoding="utf-8")
    (tmp_path / "docs" / "fine.md").write_text("```pycon\n>>> 6 * 7\n42\n```\n", encoding="utf-8")
    (tmp_path / "docs" / "prose.md").write_text("# No examples\n", encoding="utf-8")
    (tmp_path / "docs" / "area" / "walk.py").write_text("# %%\nraise ValueError('planted')\n", encoding="utf-8")
    (tmp_path / "docs" / "area" / "printed.py").write_text("# %%\nx = 6\n\n# %%\nprint(x * 7)\n", encoding="utf-8")
    (tmp_path / "docs" / "area" / "printed.outputs.txt").write_text("=== cell 2, line 4 ===\n41\n", encoding="utf-8")
    return tmp_path


def test_a_planted_difference_is_reported_with_file_line_expected_and_actual(project: Path) -> None:
    before = {path: path.read_bytes() for path in project.rglob("*") if path.is_file()}
    lines = []
    report = radar.collect(project, "cpu", progress=lines.append)

    assert {path: path.read_bytes() for path in project.rglob("*") if path.is_file()} == before  # nothing rewritten
    assert sorted(report["pages"]) == [
        "docs/area/planted.md",
        "docs/area/printed.py",
        "docs/area/walk.py",
        "docs/fine.md",
    ]
    assert len(lines) == 4
    assert all(line.startswith("[") for line in lines)
    assert report["device"] == "cpu"
    assert report["versions"]["torch"].split("+")[0] == radar._pins(ROOT)["torch"]
    assert report["changed_from_constraints"] == {}  # this venv is the reference

    planted = report["pages"]["docs/area/planted.md"]
    assert planted["examples"] == 5
    assert planted["status"] == "fails"
    beyond, within = planted["differences"]
    assert (beyond["file"], beyond["line"], beyond["expected"], beyond["actual"]) == (
        "docs/area/planted.md",
        6,
        "41\n",
        "42\n",
    )
    assert not beyond["within_tolerance"]
    assert (within["line"], within["actual"], within["within_tolerance"]) == (8, "0.3333333333333333\n", True)
    (failure,) = planted["failures"]
    assert failure["line"] == 10
    assert "KeyError: 'missing'" in failure["error"]

    assert report["pages"]["docs/fine.md"] == {
        "kind": "page",
        "examples": 1,
        "differences": [],
        "failures": [],
        "status": "same",
    }
    walk = report["pages"]["docs/area/walk.py"]
    assert walk["status"] == "fails"
    assert "ValueError: planted" in walk["failures"][0]["error"]
    printed = report["pages"]["docs/area/printed.py"]
    assert printed["status"] == "differs"
    ((difference),) = printed["differences"]
    assert {k: difference[k] for k in ("file", "line", "cell", "source", "expected", "actual")} == {
        "file": "docs/area/printed.py",
        "line": 4,
        "cell": 2,
        "source": "print(x * 7)",
        "expected": "41\n",
        "actual": "42\n",
    }
    assert report["summary"] == {"same": 1, "tolerance": 0, "differs": 1, "fails": 2}


def test_docstrings_are_checked_per_module_on_the_current_venv() -> None:
    report = radar.collect(ROOT, "cpu", only=["src/dlref/device.py"], progress=lambda line: None)
    entry = report["pages"]["src/dlref/device.py"]
    assert entry["kind"] == "docstrings"
    assert entry["examples"] > 0
    assert entry["status"] == "same"


def _report(torch: str, pages: dict, device: str = "cpu") -> dict:
    statuses = [p["status"] for p in pages.values()]
    return {
        "format": 1,
        "created": "2026-12-07T00:00:00Z",
        "versions": {"torch": torch, "numpy": "2.4.6", "pandas": "3.1.1", "python": "3.11.7"},
        "device": device,
        "device_name": "x86_64",
        "platform": "Linux",
        "cores": 2,
        "reference": {"torch": "2.13.0", "numpy": "2.4.6", "pandas": "3.1.1"},
        "summary": {s: statuses.count(s) for s in ("same", "tolerance", "differs", "fails")},
        "pages": pages,
    }


def test_the_versions_page_shows_both_outputs_why_and_pages_not_yet_checked(tmp_path: Path) -> None:
    folder = tmp_path / radar.REPORTS
    folder.mkdir(parents=True)
    difference = {
        "file": "docs/a.md",
        "line": 12,
        "source": "x.grad_fn\n",
        "expected": "<AddBackward0 object>\n",
        "actual": "<AddBackward1 object>\n",
        "within_tolerance": False,
    }
    other = {**difference, "line": 20, "source": "y.grad_fn\n"}
    page = {"kind": "page", "examples": 3, "differences": [difference, other], "failures": [], "status": "differs"}
    (folder / "torch-9.9.9-cpu.json").write_text(json.dumps(_report("9.9.9", {"docs/a.md": page})), encoding="utf-8")
    (folder / "reasons.json").write_text(json.dumps({"docs/a.md: x.grad_fn": "Renamed in 9.9."}), encoding="utf-8")

    text = radar.versions_markdown(tmp_path, ["docs/a.md", "docs/new.md"])

    assert "| `docs/a.md` | [outputs differ](#a.md) |" in text
    assert "| `docs/new.md` | not yet checked on other versions |" in text
    assert "### `docs/a.md` {#a.md}" in text
    assert "<AddBackward0 object>" in text
    assert "<AddBackward1 object>" in text
    assert "Why: Renamed in 9.9." in text
    assert "Why: Reason not established." in text
    assert "### `docs/new.md`" not in text  # nothing differs there
    note = radar.checked_note(
        "docs/a.md", radar.load_reports(tmp_path), "torch 2.13.0 (cpu, exactly)", "../versions.md"
    )
    assert "torch 9.9.9 (CPU): outputs differ" in note
    assert "](../versions.md#a.md)" in note

    # the Chinese site's Versions page and note: the same content, the same anchors, in Chinese
    chinese = radar.versions_markdown(tmp_path, ["docs/a.md", "docs/new.md"], language="zh")
    assert "## 逐页结果 {#page-by-page}" in chinese
    assert "| `docs/a.md` | [输出不同](#a.md) |" in chinese
    assert "| `docs/new.md` | 尚未在其他版本上核对 |" in chinese
    assert "原因：Renamed in 9.9." in chinese
    assert "原因：原因尚未查明。" in chinese
    assert "<AddBackward1 object>" in chinese
    note = radar.checked_note("docs/a.md", radar.load_reports(tmp_path), "torch 2.13.0", "../versions.md", "zh")
    assert "torch 9.9.9 (CPU)：输出不同" in note
    assert "](../versions.md#a.md)" in note


def _ranges() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = (Requirement(line) for line in project["dependencies"])
    return {r.name: r for r in found if r.name in ("torch", "numpy", "pandas")}


def test_pyproject_claims_only_versions_the_committed_reports_support() -> None:
    """Each range's lower bound was checked by a report with no failure, its upper bound allows no
    release beyond the newest checked one's series, and no report that failed lies wholly inside the
    ranges (a failing version must be excluded)."""
    reports = radar.load_reports(ROOT)
    assert reports, f"no report in {radar.REPORTS}: run scripts/radar"
    ranges = _ranges()
    passing = [r for r in reports if r["summary"]["fails"] == 0]
    for name, requirement in ranges.items():
        bounds = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
        assert bounds, f"{name}: pyproject.toml names no lower bound"
        checked = {Version(r["versions"][name]).release[: len(bounds[0].release)] for r in passing}
        assert bounds[0].release in checked, f"{name}>={bounds[0]}: no passing report ran {name} {bounds[0]}"
        newest = max(Version(r["versions"][name]) for r in passing)
        ceilings = [Version(s.version) for s in requirement.specifier if s.operator == "<"]
        assert ceilings, f"{name}: pyproject.toml allows every future release; the newest checked is {newest}"
        series = Version(f"{newest.major}.{newest.minor + 1}")
        assert ceilings[0] <= series, f"{name}<{ceilings[0]}: allows releases after {newest}, the newest checked"
    for report in reports:
        inside = all(ranges[n].specifier.contains(report["versions"][n], prereleases=True) for n in ranges)
        assert report["summary"]["fails"] == 0 or not inside, f"{report['file']} fails inside pyproject's ranges"
