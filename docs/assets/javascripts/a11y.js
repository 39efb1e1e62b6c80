// What the theme leaves out for keyboard and screen-reader users.
// - The search dialog gets a name (axe: aria-dialog-name).
// - A box that scrolls sideways (a long equation, a catalog cell, a wide output) can be reached
//   with the keyboard, so its arrow keys scroll it (axe: scrollable-region-focusable). Checked
//   again when the window's width changes: what scrolls on a phone may fit on a laptop.
(() => {
  const name = () => {
    const dialog = document.querySelector(".md-search[role=dialog]");
    if (dialog && !dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", "Search");
  };
  const focusable = () => {
    for (const box of document.querySelectorAll(".md-typeset .katex-display, .md-typeset td, .md-typeset div.dlref-output:not(.highlight)")) {
      const scrolls = box.scrollWidth > box.clientWidth + 1 && ["auto", "scroll"].includes(getComputedStyle(box).overflowX);
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.dlrefScrolls = "";
      } else if (!scrolls && "dlrefScrolls" in box.dataset) {
        box.removeAttribute("tabindex");
        delete box.dataset.dlrefScrolls;
      }
    }
  };
  let pending = 0;
  const later = () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(focusable);
  };
  name();
  window.addEventListener("load", later);
  window.addEventListener("resize", later);
  document.fonts.ready.then(later);
})();
