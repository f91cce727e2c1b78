// A table wider than the screen scrolls inside its own box (small screens); such a box must be reachable by
// keyboard to be scrolled (WCAG 2.1.1): it gets a tab stop while, and only while, it actually scrolls.
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll("main .table-scroll, main table").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-region", "");
      } else if (!scrolls && box.hasAttribute("data-scroll-region")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-region");
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();
