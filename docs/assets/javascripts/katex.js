// Render math with the KaTeX served from this site (no CDN). arithmatex wraps math from Markdown
// pages in \( \) and \[ \]; a notebook's tables of LaTeX get the same spans (dlref_site.notebook_page).
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    delimiters: [
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
    throwOnError: false,
  });
});
