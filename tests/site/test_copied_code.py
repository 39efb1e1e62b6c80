"""What a reader copies from a page runs with torch alone: every console block outside the "From
scratch" sections, page by page and in order, as the copy button gives it (the code, no prompts or
outputs), in a fresh Python where ``dlref`` cannot be imported."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from dlref_site.examples import parse
from dlref_site.runner import Runner, run_script, submit
from dlref_site.translations import source_of

ROOT = Path(__file__).resolve().parents[2]
# English pages: a translation's code is its page's (tests/site/test_translations.py)
PAGES = sorted(
    p
    for p in (ROOT / "docs").rglob("*.md")
    if source_of(p.relative_to(ROOT).as_posix()) is None
    and parse(p.read_text(encoding="utf-8"), p.name, [ROOT]).examples
)
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_SCRATCH = re.compile(r"from scratch|从零", re.IGNORECASE)
BLOCKED = "import sys\nsys.modules['dlref'] = None  # `import dlref` fails, as where it is not installed\n"


def copied(page: Path) -> str:
    """The page's copyable code outside "From scratch" sections, as one script; an example the page
    shows raising must still raise."""
    parsed = parse(page.read_text(encoding="utf-8"), str(page), [ROOT])
    lines, headings, scratch_at = parsed.text.split("\n"), [], set()
    fence = None
    for number, line in enumerate(lines):
        if re.match(r"^\s*(`{3,}|~{3,})", line):
            fence = None if fence else line.strip()[:3]
        match = None if fence else _HEADING.match(line)
        if match:
            headings = [h for h in headings if h[0] < len(match[1])] + [(len(match[1]), match[2])]
        if any(_SCRATCH.search(title) for _, title in headings):
            scratch_at.add(number)
    script = [BLOCKED]
    for example in parsed.examples:
        if example.at in scratch_at:
            continue
        code = example.source
        if example.example.exc_msg is not None:
            name = example.example.exc_msg.split(":")[0].rsplit(".", 1)[-1]
            code = f"try:\n{textwrap.indent(code, '    ')}except {name}:\n    pass\nelse:\n"
            code += f"    raise AssertionError('line {example.line} shows {name}, but nothing was raised')\n"
        script.append(code)
    return "\n".join(script)


def test_the_dlref_imports_are_blocked(tmp_path: Path) -> None:
    code = BLOCKED + "import dlref.tensors\n"
    outcome = submit(run_script, "blocked.py", code, str(tmp_path), tag=Runner(ROOT).prefix).result()
    assert not outcome.passed
    assert "ModuleNotFoundError" in outcome.report


def test_every_page_has_copyable_code_outside_from_scratch() -> None:
    assert len(PAGES) > 15
    assert all(copied(page).count("\n") > 5 for page in PAGES)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT / "docs")))
def test_code_copied_outside_from_scratch_runs_without_dlref(page: Path, tmp_path: Path) -> None:
    name = f"copied from {page.relative_to(ROOT)}"
    outcome = submit(run_script, name, copied(page), str(tmp_path), tag=Runner(ROOT).prefix).result()
    assert outcome.passed, outcome.report
