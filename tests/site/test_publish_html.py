"""The notebook-page rewrite on small inputs (no build): styles out, Material code blocks, anchors."""

from __future__ import annotations

import base64

from pymdownx.slugs import slugify

from dlref_site.html import mark_pycon_outputs, slim_notebook

NOTEBOOK = """
<style type="text/css">.jupyter-wrapper{--x: 1}</style>
<!-- Load mathjax --><script src=""></script>
<script type="module">import("https://cdn.example/mermaid.mjs")</script>
<div class="jupyter-wrapper"><div class="jp-Notebook">
<div class="jp-Cell jp-MarkdownCell" id="cell-id=ab12">
<h2 id="术语-glossary">术语 / Glossary<a class="anchor-link" href="#术语-glossary">¶</a></h2></div>
<div class="jp-Cell jp-CodeCell" id="cell-id=cd34"><div class="jp-InputPrompt">In&nbsp;[1]:</div>
<div class="zeroclipboard-container"><span class="notice" hidden>Copied!</span></div>
<div id="cell-cd34" class="clipboard-copy-txt">x = 1</div>
<div class="highlight-ipynb hl-python"><pre><span></span><span class="n">x</span> = 1</pre></div>
<img alt="No description has been provided for this image" class="" src="data:image/png;base64,{png}"/>
</div></div></div>
""".replace("{png}", base64.b64encode(b"\\x89PNG-bytes").decode())


def test_slim_notebook_takes_out_styles_scripts_prompts_and_images() -> None:
    slim = slim_notebook(NOTEBOOK, slugify(case="lower"), image_prefix="page")
    assert slim.styles == ".jupyter-wrapper{--x: 1}"
    taken_out = ["<style", "<script", "mathjax", "cdn.example", "In&nbsp;[1]", "In [1]", "Copied!", "cell-id="]
    for gone in [*taken_out, "clipboard-copy-txt"]:  # the last: each cell's source, a second time
        assert gone not in slim.html, gone
    assert (
        '<div class="language-python highlight"><pre><code><span class="n">x</span> = 1</code></pre></div>' in slim.html
    )
    assert slim.images == {"page-1.png": b"\\x89PNG-bytes"}
    assert '<img alt="Figure 1" src="page-1.png"/>' in slim.html
    # the heading's anchor is the one the table of contents links to (unicode kept)
    assert slim.anchors == ["术语--glossary"]
    assert '<h2 id="术语--glossary">' in slim.html
    assert 'href="#术语--glossary"' in slim.html


def test_a_translated_heading_keeps_the_anchor_it_names() -> None:
    """``# ## 数据 <a id="the-data"></a>`` in a translated notebook: the heading's anchor is its
    English page's, so links to that section and the language switch land on it."""
    html = (
        '<div class="jp-RenderedHTMLCommon"><h2 id="">数据 <a id="the-data"></a>'
        '<a class="anchor-link" href="#">¶</a></h2><h2 id="">模型<a class="anchor-link" href="#">¶</a></h2></div>'
    )
    slim = slim_notebook(html, slugify(case="lower"))
    assert slim.anchors == ["the-data", "模型"]
    assert '<h2 id="the-data">数据 <a class="headerlink" href="#the-data"' in slim.html
    assert slim.html.count("id=") == 2


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
