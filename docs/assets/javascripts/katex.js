// Render math with the KaTeX served from this site (no CDN). arithmatex wraps math from Markdown
// pages in \( \) and \[ \]; notebook pages keep Jupyter's $ and $$.
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
    throwOnError: false,
  });
});
