/* The debrief slides: step with the keyboard (arrows, Page Up/Down, space, Home/End) or a click.
 * The slides are anchors (#slide-N) shown by CSS :target, so the page works without this file:
 * it only turns keys and clicks into the Back/Next links' targets. F toggles full screen. */
(function () {
  "use strict";
  var slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
  if (!slides.length) return;

  function current() {
    var id = window.location.hash.slice(1);
    for (var i = 0; i < slides.length; i++) if (slides[i].id === id) return i;
    return 0;
  }
  function go(i) {
    var k = Math.max(0, Math.min(slides.length - 1, i));
    if (k === current() && window.location.hash) return;
    window.location.hash = "#" + slides[k].id;
  }

  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var k = e.key;
    if (k === "ArrowRight" || k === "ArrowDown" || k === "PageDown" || k === " " || (k === "Enter" && e.target === document.body)) {
      go(current() + 1);
    } else if (k === "ArrowLeft" || k === "ArrowUp" || k === "PageUp" || k === "Backspace") {
      go(current() - 1);
    } else if (k === "Home") {
      go(0);
    } else if (k === "End") {
      go(slides.length - 1);
    } else if (k === "f" || k === "F") {
      if (document.fullscreenElement) document.exitFullscreen();
      else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen();
    } else {
      return;
    }
    e.preventDefault();
  });

  // a click on the slide (not on a link or a table) steps forward, as a presenter's clicker does
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("a, button, table, summary")) return;
    go(current() + 1);
  });
})();
