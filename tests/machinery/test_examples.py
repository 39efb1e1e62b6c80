"""The one parser, the checker, running pages, failure reports, and rewriting outputs in place."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dlref_site.check import check, first_difference
from dlref_site.examples import Page, SnippetError, apply, parse, rewrite, run
from dlref_site.update import main

ROOT = Path(__file__).resolve().parents[2]


def run_markdown(text: str, path: str = "<page>", exact: bool = False, bases=(ROOT,)) -> Page:
    """Parse and run a page; ``exact`` compares as on the reference platform."""
    return run(parse(text, path, list(bases)), exact)


def rewrite_outputs(text: str, page: Page, only_failures: bool = True) -> tuple[str, list]:
    """The page's text with its failing (or, for the build, all) outputs rewritten."""
    edits, left = rewrite(page, only_failures=only_failures)
    return apply(text, edits.get(page.name, [])), left


def page(*blocks: str, indent: str = "") -> str:
    """A Markdown page with one ``pycon`` fence per block."""
    parts = []
    for block in blocks:
        body = "".join(indent + line + "\n" for line in block.strip("\n").splitlines())
        parts.append(f"Some prose.\n\n{indent}```pycon\n{body}{indent}```\n")
    return "\n".join(parts)


# --- the checker ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("want", "got"),
    [
        ("tensor([0.3333, 0.6667])", "tensor([0.33333, 0.66667])"),  # within rtol 1e-4
        ("tensor([0.0000])", "tensor([5.0000e-07])"),  # within atol 1e-6
        ("tensor([1., 2.])", "tensor([1., 2.], device='cuda:0')"),  # device suffix ignored
        ("tensor([1, 2], dtype=torch.int32)", "tensor([1, 2], device='cuda:1', dtype=torch.int32)"),
        ("tensor([[1, 2],\n        [3, 4]])", "tensor([[1, 2], [3, 4]])"),  # whitespace
        ("<object at 0x7f0000000000>", "<object at 0x55d1e2f3a4b0>"),  # memory addresses
        ("tensor([nan, inf, -inf])", "tensor([nan, inf, -inf])"),
        ("array([ 1, -2,  3])", "array([1, -2, 3])"),  # numpy's aligned negatives
        ("line one\n<BLANKLINE>\nline two", "line one\n\nline two"),
        ("tensor(2.5000, grad_fn=<MulBackward0>)", "tensor(2.5000, grad_fn=<MulBackward0>)"),
    ],
)
def test_check_accepts(want: str, got: str) -> None:
    assert check(want, got, rtol=1e-4)


@pytest.mark.parametrize(
    ("want", "got"),
    [
        ("tensor([0.3333])", "tensor([0.3334])"),  # beyond rtol 1e-4
        ("torch.Size([2, 3])", "torch.Size([2, 4])"),  # a shape
        ("100000", "100001"),  # integers are exact, whatever their size
        ("tensor(3)", "tensor(3.)"),  # int64 is not float32
        ("tensor([1.], device='cuda:0')", "tensor([1.])"),  # only the actual output's suffix goes
        ("tensor([1., 2.])", "tensor([1., 2.], dtype=torch.float64)"),
        ("tensor(2.5000, grad_fn=<MulBackward0>)", "tensor(2.5000, grad_fn=<AddBackward0>)"),
        ("tensor(nan)", "tensor(0.)"),
        ("tensor(inf)", "tensor(-inf)"),
        ("3 - 1", "3 -1"),
        ("[1, 2]", "[1, 2, 3]"),
        ("True", "1"),
        ("'3.1.1'", "'3.10.1'"),  # versions are text, never numbers
        ("3.1.10", "3.1.1"),
        ("0x1f", "0x1e"),
    ],
)
def test_check_rejects(want: str, got: str) -> None:
    assert not check(want, got, rtol=1e-4)
    assert not check(want, got)  # nor exactly


def test_check_never_evaluates_output() -> None:
    marker = ROOT / "never-created-by-check"
    text = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    assert check(text, text)
    assert not marker.exists()


def test_exact_comparison_fails_on_any_changed_digit() -> None:
    """On the reference platform a shown output must be what ran: only addresses and the device are
    normalised, and trailing spaces."""
    assert check("tensor([0.3333, 0.6667])", "tensor([0.3333, 0.6667], device='cuda:0')  ")
    assert check("<object at 0x7f0000000000>", "<object at 0x55d1e2f3a4b0>")
    assert not check("tensor([0.3333, 0.6667])", "tensor([0.3333, 0.6668])")
    assert not check("tensor([[1, 2],\n        [3, 4]])", "tensor([[1, 2], [3, 4]])")
    assert first_difference("tensor([0.3333])", "tensor([0.3334])").endswith("(compared exactly)")


def test_check_tolerances_are_arguments() -> None:
    assert not check("1.000", "1.002", rtol=1e-4)
    assert check("1.000", "1.002", rtol=1e-2)
    assert check("0.0", "0.001", rtol=0, atol=1e-2)


def test_ellipsis_only_when_asked() -> None:
    for rtol in (None, 1e-4):
        assert not check("tensor([0, 1, ..., 9])", "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])", rtol=rtol)
        assert check("tensor([0, 1, ..., 9])", "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])", ellipsis=True, rtol=rtol)
        assert not check("tensor([0, 1, ..., 8])", "tensor([0, 1, 2, 9])", ellipsis=True, rtol=rtol)
    # torch's own summary of a long tensor is compared as any other token.
    assert check(
        "tensor([0, 1, 2, ..., 997, 998, 999])", "tensor([   0,    1,    2,  ...,  997,  998,  999])", rtol=1e-4
    )


def test_first_difference_names_the_token() -> None:
    message = first_difference("torch.Size([2, 3])", "torch.Size([2, 4])", rtol=1e-4)
    assert message == "first difference at token 7: expected 3, got 4 (rtol=0.0001, atol=1e-06)"


# --- running pages -------------------------------------------------------------------------------


def test_blocks_share_one_namespace_and_pages_do_not() -> None:
    first = run_markdown(page(">>> x = 41", ">>> x + 1\n42"))
    assert first.passed, first.report()
    second = run_markdown(page(">>> x\n41"))
    assert not second.passed
    assert "NameError: name 'x' is not defined" in second.failures[0].error


def test_every_example_runs_after_a_failure_and_reports_name_file_and_line() -> None:
    text = page(">>> 1 + 1\n3", ">>> 'still runs'\n'still runs'\n>>> 2 * 2\n5")
    run = run_markdown(text, "docs/demo.md")
    assert [r.passed for r in run.examples] == [False, True, False]
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if line.startswith(">>> ") and "'" not in line]
    assert [r.line for r in run.failures] == lines
    report = run.report()
    assert f"docs/demo.md:{lines[0]}: example did not show what the page shows" in report
    assert ">>> 2 * 2" in report
    assert "Expected:\n    5\nActual:\n    4" in report


def test_unexpected_exception_is_a_failure_with_its_traceback() -> None:
    run = run_markdown(page(">>> import torch\n>>> torch.ones(2) @ torch.ones(3)\ntensor(2.)"), "p.md")
    (failure,) = run.failures
    assert failure.raised
    assert failure.error is not None
    assert "RuntimeError" in failure.error
    assert "examples.py" not in failure.error  # the traceback starts in the example
    assert f'File "p.md", line {failure.line}' in failure.error  # ... at its line in the page
    assert "Raised:" in run.report()


def test_expected_exceptions_compare_type_and_message() -> None:
    raises = ">>> int('x')\nTraceback (most recent call last):\n  ...\nValueError: {}"
    assert run_markdown(page(raises.format("invalid literal for int() with base 10: 'x'"))).passed
    assert not run_markdown(page(raises.format("something else"))).passed
    assert not run_markdown(page(">>> int('1')\nTraceback (most recent call last):\n  ...\nValueError: x")).passed


def test_tolerance_directive_applies_to_one_example() -> None:
    loose = ">>> 1.002  # dlref: rtol=1e-2\n1.000"
    assert run_markdown(page(loose)).passed
    assert not run_markdown(page(loose), exact=True).passed  # tolerances only off the reference platform
    assert not run_markdown(page(">>> 1.002\n1.000")).passed
    with pytest.raises(ValueError, match=r"p\.md:4: bad dlref directive 'rtol=lots'"):
        run_markdown(page(">>> 1.0  # dlref: rtol=lots\n1.0"), "p.md")


def test_skip_directive_is_refused() -> None:
    """Every example shown runs: an example that would be rendered but not run is an error."""
    with pytest.raises(ValueError, match=r"p\.md:4: .*SKIP"):
        run_markdown(page(">>> raise SystemExit  # doctest: +SKIP"), "p.md")


def test_only_pycon_fences_run() -> None:
    text = (
        "````markdown\n```pycon\n>>> 1 / 0\n```\n````\n\n"  # a pycon fence shown inside another fence
        "```python\n>>> 1 / 0\n```\n\n"
        "```pycon\n>>> 1\n1\n```\n"
    )
    run = run_markdown(text)
    assert [r.line for r in run.examples] == [12]
    assert run.passed


def test_indented_blocks_in_admonitions_and_tabs() -> None:
    text = (
        "!!! note\n\n    ```pycon\n    >>> 2 + 2\n    5\n    ```\n\n"
        '=== "Tab"\n\n    ```pycon\n    >>> 3\n    3\n    ```\n'
    )
    run = run_markdown(text)
    assert [(r.line, r.passed) for r in run.examples] == [(4, False), (11, True)]
    new, left = rewrite_outputs(text, run)
    assert not left
    assert new == text.replace("    5\n", "    4\n")


def test_each_page_starts_from_fresh_global_state() -> None:
    changes = ">>> import torch\n>>> torch.set_printoptions(precision=1)\n>>> torch.set_default_dtype(torch.float64)"
    assert run_markdown(page(changes)).passed
    fresh = ">>> import torch\n>>> torch.tensor([1 / 3])\ntensor([0.3333])"
    assert run_markdown(page(fresh)).passed


def test_random_numbers_need_an_explicit_seed() -> None:
    # The engine seeds torch randomly before each page, as a fresh interpreter does.
    unseeded = page(">>> import torch\n>>> torch.rand(1)\ntensor([0.4963])")
    assert not all(run_markdown(unseeded).passed for _ in range(3))
    seeded = page(">>> import torch\n>>> _ = torch.manual_seed(0)\n>>> torch.rand(1)\ntensor([0.4963])")
    assert all(run_markdown(seeded).passed for _ in range(3))


# --- rewriting outputs ---------------------------------------------------------------------------


def test_rewrite_of_a_passing_page_is_byte_identical() -> None:
    # Every page passes (docs/ pages are tests themselves), so the update command leaves each one
    # byte for byte: with nothing failed, nothing is spliced, whatever the line endings.
    for text in [page(">>> 6 * 7\n42", indent="    "), page(">>> print('a\\n\\nb')\na\n<BLANKLINE>\nb")]:
        for variant in [text, text.replace("\n", "\r\n")]:
            run = run_markdown(variant)
            assert run.examples
            assert run.passed, run.report()
            assert rewrite_outputs(variant, run)[0] == variant


def _mutate_numbers(text: str) -> tuple[str, list[int]]:
    """Change the leading digit of the first number on every output line of every pycon block."""
    lines = text.splitlines(keepends=True)
    changed = []
    in_block = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_block = stripped.startswith("```pycon")
            continue
        if not in_block or not stripped or stripped.startswith((">>>", "...", "Traceback")):
            continue
        match = re.search(r"(?<![\w.])(\d)", line)
        if match:
            digit = str((int(match.group(1)) + 5) % 10)
            lines[i] = line[: match.start(1)] + digit + line[match.end(1) :]
            changed.append(i + 1)
    return "".join(lines), changed


def test_every_changed_output_of_the_creation_page_fails_and_is_restored() -> None:
    path = ROOT / "docs/tensors/creation.md"
    original = path.read_text(encoding="utf-8")
    mutated, changed_lines = _mutate_numbers(original)
    assert len(changed_lines) > 40
    run = run_markdown(mutated, "docs/tensors/creation.md", exact=True)
    failed_outputs = set()
    for result in run.failures:
        first = result.line + result.source.count("\n")
        failed_outputs.update(range(first, first + result.want.count("\n") + 1))
    missed = [line for line in changed_lines if line not in failed_outputs]
    assert not missed, f"changed outputs that still passed: lines {missed}"
    restored, left = rewrite_outputs(mutated, run)
    assert not left
    assert restored == original


def test_a_changed_shape_is_reported_at_its_line() -> None:
    path = ROOT / "docs/tensors/creation.md"
    original = path.read_text(encoding="utf-8")
    mutated = original.replace("torch.Size([2, 3])", "torch.Size([3, 2])", 1)
    line = original[: original.index("torch.Size([2, 3])")].count("\n")  # the >>> line above it
    run = run_markdown(mutated, "docs/tensors/creation.md")
    assert [r.line for r in run.failures] == [line]
    first_line = run.report().splitlines()[0]
    assert first_line == f"docs/tensors/creation.md:{line}: example did not show what the page shows"
    assert rewrite_outputs(mutated, run)[0] == original


def test_outputs_with_blank_lines_and_crlf() -> None:
    text = page(">>> print('a\\n\\nb')\nx").replace("\n", "\r\n")
    new, _ = rewrite_outputs(text, run_markdown(text))
    assert new == page(">>> print('a\\n\\nb')\na\n<BLANKLINE>\nb").replace("\n", "\r\n")
    assert run_markdown(new).passed


def test_outputs_written_back_carry_no_cuda_device() -> None:
    text = page(">>> print(\"tensor([1., 2.], device='cuda:0')\")\ntensor([0.])")
    run = run_markdown(text)
    assert rewrite_outputs(text, run)[0] == page(">>> print(\"tensor([1., 2.], device='cuda:0')\")\ntensor([1., 2.])")
    assert "device='cuda:0'" in rewrite_outputs(text, run, only_failures=False)[0]  # the build shows it


def test_breaks_are_not_rewritten() -> None:
    text = page(">>> 1 / 0\n1.0", ">>> 2\n3")
    run = run_markdown(text)
    new, left = rewrite_outputs(text, run)
    assert [r.line for r in left] == [run.examples[0].line]
    assert new == text.replace("\n3\n", "\n2\n")


def test_update_outputs_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``scripts/update-outputs`` (``python -m dlref_site.update``), run here through its ``main``:
    the page runs in a fresh process, as the build runs it."""
    original = (ROOT / "docs/tensors/creation.md").read_text(encoding="utf-8")
    target = tmp_path / "creation.md"
    target.write_text(original.replace("tensor([1, 4, 7])", "tensor([1, 4, 8])"), encoding="utf-8")

    assert main(["--check", str(target)]) == 1
    assert f"{target}:" in capsys.readouterr().err

    assert main([str(target)]) == 0
    assert f"{target}: rewrote outputs" in capsys.readouterr().out
    assert target.read_text(encoding="utf-8") == original

    assert main([str(target)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert target.read_text(encoding="utf-8") == original


def test_update_outputs_is_the_update_module_run_as_a_script(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "dlref_site.update", "--check", str(tmp_path / "missing.md")]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert f"{tmp_path / 'missing.md'}: no such page" in result.stderr
    assert "dlref_site.update" in (ROOT / "scripts/update-outputs").read_text(encoding="utf-8")


# --- one parser: every fence the Markdown extensions render as a Python console, snippets included ---


@pytest.mark.parametrize(
    "opening",
    [
        "```pycon",
        "``` pycon",
        "~~~pycon",
        "```{.pycon}",
        '``` { .pycon title="demo" }',
        '```pycon title="demo"',
        "````pycon",
        "```python-console",
    ],
)
def test_every_console_fence_form_runs(opening: str) -> None:
    closing = opening[: len(opening) - len(opening.lstrip("`~"))]
    text = f"Prose.\n\n{opening}\n>>> 6 * 7\n41\n{closing}\n"
    run = run_markdown(text)
    assert [(e.line, e.passed) for e in run.examples] == [(4, False)]


def test_examples_in_snippets_run_at_any_depth_and_are_reported_and_rewritten_where_they_are(
    tmp_path: Path,
) -> None:
    (tmp_path / "d1.md").write_text('--8<-- "d2.md"\n', encoding="utf-8")
    chain = [f"d{n}.md" for n in range(2, 7)]
    for this, after in itertools.pairwise(chain):
        (tmp_path / this).write_text(f'--8<-- "{after}"\n', encoding="utf-8")
    (tmp_path / "d6.md").write_text("```pycon\n>>> 2 + 2\n5\n```\n", encoding="utf-8")
    text = 'Title\n\n--8<-- "d1.md"\n\n    --8<-- "d6.md"\n'
    run = run_markdown(text, "page.md", bases=[tmp_path])
    assert [(e.path, e.line, e.passed) for e in run.examples] == [(str(tmp_path / "d6.md"), 2, False)] * 2
    edits, left = rewrite(run, only_failures=True)
    assert not left
    fixed = apply((tmp_path / "d6.md").read_text(encoding="utf-8"), edits[str(tmp_path / "d6.md")][:1])
    assert fixed == "```pycon\n>>> 2 + 2\n4\n```\n"


def test_a_snippet_that_cannot_be_included_is_named(tmp_path: Path) -> None:
    with pytest.raises(SnippetError, match="no such file"):
        parse('--8<-- "missing.md"\n', "p.md", [tmp_path])
    (tmp_path / "loop.md").write_text('--8<-- "loop.md"\n', encoding="utf-8")
    with pytest.raises(SnippetError, match="nested more than"):
        parse('--8<-- "loop.md"\n', "p.md", [tmp_path])
    with pytest.raises(SnippetError, match="URLs are not included"):
        parse('--8<-- "https://example.org/a.md"\n', "p.md", [tmp_path])
    assert parse(';--8<-- "missing.md"\n', "p.md", [tmp_path]).text == ';--8<-- "missing.md"\n'  # escaped


def test_sections_and_line_ranges_are_included_as_pymdown_includes_them(tmp_path: Path) -> None:
    (tmp_path / "code.py").write_text(
        "a = 1\n# --8<-- [start:two]\nb = 2\n# --8<-- [end:two]\nc = 3\n", encoding="utf-8"
    )
    text = '```python\n--8<-- "code.py:two"\n--8<-- "code.py:1:1"\n--8<-- "code.py"\n```\n'
    assert parse(text, "p.md", [tmp_path]).text == "```python\nb = 2\na = 1\na = 1\nb = 2\nc = 3\n```\n"


def test_the_site_renders_what_the_parser_finds(tmp_path: Path) -> None:
    """Each form above, rendered by the site's Markdown extensions, shows as many console prompts as
    the parser finds examples. A console fence shown inside a ``markdown`` fence is not an example,
    but Pygments' Markdown lexer highlights it as one: the build's count of prompts then fails it
    (tests/test_site.py), as it fails any console block that did not run."""
    import markdown

    md = markdown.Markdown(
        extensions=["pymdownx.superfences", "pymdownx.highlight", "pymdownx.snippets"],
        extension_configs={"pymdownx.snippets": {"base_path": [str(tmp_path)]}},
    )
    (tmp_path / "inc.md").write_text("~~~pycon\n>>> 1\n1\n~~~\n", encoding="utf-8")
    text = (
        '```pycon\n>>> 1\n1\n```\n\n``` { .pycon }\n>>> 2\n2\n```\n\n--8<-- "inc.md"\n\n'
        "````markdown\n```pycon\n>>> 3\n```\n````\n\n```python\n>>> 4\n```\n"
    )
    html = md.convert(text)
    assert len(parse(text, "p.md", [tmp_path]).examples) == 3
    assert html.count('<span class="gp">&gt;&gt;&gt; </span>') == 4  # the three, and the one inside ````markdown


def test_snippet_lines_pymdownx_leaves_alone_are_left_alone(tmp_path: Path) -> None:
    """A ``;name`` in a block is left out, a section marker in a page is text, and an escaped marker
    in an included file stays, less one ``;``."""
    (tmp_path / "b.md").write_text("B\n", encoding="utf-8")
    assert parse("--8<--\n;b.md\nb.md\n--8<--\n", "p.md", [tmp_path]).text == "B\n"
    page = "--8<-- [start:k]\nhi\n--8<-- [end:k]\n"
    assert parse(page, "p.md", [tmp_path]).text == page
    (tmp_path / "inc.md").write_text(
        "a\n--8<-- [start:s]\nin\n;--8<-- [start:t]\n--8<-- [end:s]\nz\n", encoding="utf-8"
    )
    assert parse('--8<-- "inc.md:s"\n', "p.md", [tmp_path]).text == "in\n--8<-- [start:t]\n"
    (tmp_path / "bad.md").write_text("--8<-- [end:s]\nx\n--8<-- [start:s]\n", encoding="utf-8")
    with pytest.raises(SnippetError, match="not marked start then end"):
        parse('--8<-- "bad.md:s"\n', "p.md", [tmp_path])


def test_an_ellipsis_next_to_a_number_works_with_tolerances() -> None:
    assert check("[1, 2...]", "[1, 2, 3]", ellipsis=True, rtol=1e-4)
    assert check("...5", "[3, 5", ellipsis=True, rtol=1e-4)


def test_update_keeps_a_files_line_endings(tmp_path: Path) -> None:
    target = tmp_path / "crlf.md"
    target.write_bytes(b"Text.\r\n\r\n```pycon\r\n>>> 6 * 7\r\n41\r\n```\r\n")
    assert main([str(target)]) == 0
    assert target.read_bytes() == b"Text.\r\n\r\n```pycon\r\n>>> 6 * 7\r\n42\r\n```\r\n"
