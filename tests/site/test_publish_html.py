"""Notebook pages and console blocks on small inputs (no build): a notebook written as Markdown,
and what the site's Markdown makes of it; ``pycon`` output lines marked for copying."""

from __future__ import annotations

import base64
from pathlib import Path

import markdown
import pytest
from mkdocs.config import load_config
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from dlref_site.html import mark_pycon_outputs
from dlref_site.notebook_page import notebook_markdown

ROOT = Path(__file__).resolve().parents[2]
PNG = base64.b64encode(b"\x89PNG-bytes").decode()


def figure(alt: str | None = None):
    cell = new_code_cell("plt.plot([1, 2])", outputs=[new_output("display_data", data={"image/png": PNG})])
    if alt is not None:
        cell.metadata["alt"] = alt
    return cell


NOTEBOOK = new_notebook(
    cells=[
        new_markdown_cell('# 标题\n\n## 数据 <a id="the-data"></a>\n\nSee [norms](../linalg/norms.md) and $x^2$.'),
        new_code_cell(
            'print("```")\nx = 1\nx',
            outputs=[
                new_output("stream", name="stdout", text="```\n"),
                new_output("execute_result", data={"text/plain": "1"}, execution_count=1),
            ],
        ),
        figure('a "curve" <falling>'),
        figure(),
        new_code_cell(
            "df",
            outputs=[
                new_output(
                    "execute_result",
                    data={"text/html": "<div><style scoped>th {x: 1}</style><table>\n\n<td>1</td></table></div>"},
                    execution_count=2,
                )
            ],
        ),
        new_code_cell("", outputs=[]),
        new_code_cell("warn()", outputs=[new_output("stream", name="stderr", text="\x1b[31mWarning\x1b[0m: w\n")]),
    ]
)


def test_a_notebook_is_markdown_with_its_outputs_after_each_cell() -> None:
    page = notebook_markdown(NOTEBOOK, "page")
    text = page.markdown
    assert text.startswith("# 标题\n\n## 数据 {#the-data}\n\nSee [norms](../linalg/norms.md) and $x^2$.\n\n")
    # a fence longer than the backticks the cell or its output holds
    assert '````python\nprint("```")\nx = 1\nx\n````' in text
    assert "```` { .text .dlref-output }\n```\n````" in text
    assert "``` { .text .dlref-output }\n1\n```" in text
    # figures are files; the alt is the cell's, escaped, else "Figure n"
    assert page.images == {"page-1.png": b"\x89PNG-bytes", "page-2.png": b"\x89PNG-bytes"}
    assert '<img src="page-1.png" alt="a &quot;curve&quot; &lt;falling&gt;">' in text
    assert '<img src="page-2.png" alt="Figure 2">' in text
    # an HTML output without its inline styles; no empty block for an empty cell; no ANSI colours
    assert '<div class="dlref-output">\n<div><table>\n<td>1</td></table></div>\n</div>' in text
    assert "```python\n\n```" not in text
    assert "``` { .text .dlref-output }\nWarning: w\n```" in text


def test_solution_cells_fold_with_their_outputs_into_one_block() -> None:
    solution = {"tags": ["solution"]}
    notebook = new_notebook(
        cells=[
            new_markdown_cell("**1.** Why?"),
            new_code_cell("a = 1", metadata=solution),
            new_code_cell("a", metadata=solution, outputs=[new_output("stream", name="stdout", text="1\n")]),
            new_markdown_cell("**2.** Next."),
        ]
    )
    text = notebook_markdown(notebook).markdown
    folded = '??? example "Solution"\n\n    ```python\n    a = 1\n    ```\n\n    ```python\n    a\n    ```\n\n'
    assert folded + "    ``` { .text .dlref-output }\n    1\n    ```\n\n**2.** Next.\n" in text
    assert text.count("???") == 1


@pytest.fixture(scope="module")
def site_markdown() -> markdown.Markdown:
    """Python-Markdown with the site's extensions and their settings (``mkdocs.yml``)."""
    config = load_config(str(ROOT / "mkdocs.yml"))
    return markdown.Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs)


def test_the_sites_markdown_renders_a_notebook_page(site_markdown: markdown.Markdown) -> None:
    cells = [*NOTEBOOK.cells, new_code_cell("b = 2", metadata={"tags": ["solution"]})]
    html = site_markdown.reset().convert(notebook_markdown(new_notebook(cells=cells), "page").markdown)
    assert '<h2 id="the-data">数据' in html
    assert '<div class="language-python highlight">' in html
    assert '<div class="language-text dlref-output highlight">' in html
    assert '<div class="dlref-output">\n<div><table>\n<td>1</td></table></div>\n</div>' in html
    assert '<p><img src="page-2.png" alt="Figure 2"></p>' in html
    assert '<span class="arithmatex">' in html
    assert '<details class="example">\n<summary>Solution</summary>' in html


def test_mark_pycon_outputs_wraps_only_non_code_lines() -> None:
    block = (
        '<div class="language-pycon highlight"><pre><span></span><code>'
        '<span class="gp">&gt;&gt;&gt; </span>f(\n'
        '<span class="gp">... </span>  1)\n'
        '<span class="go">2</span>\n'
        '<span class="gt">Traceback (most recent call last):</span>\n'
        '<span class="w">  </span><span class="c">...</span>\n'
        '<span class="gr">ValueError</span>: <span class="n">bad</span>\n'
        "</code></pre></div>"
    )
    marked = mark_pycon_outputs(block)
    assert marked.count('<span class="dlref-out">') == 4
    assert '<span class="dlref-out"><span class="gr">ValueError</span>: <span class="n">bad</span>\n</span>' in marked
    assert mark_pycon_outputs("<p>no code</p>") == "<p>no code</p>"
