/* Join page: the code field is forgiving (spaces, dashes, lower case). */
(function () {
  "use strict";
  var code = document.getElementById("code");
  var form = document.getElementById("join-form");
  var name = document.getElementById("name");
  if (!code || !form) return;
  function tidy(v) { return v.toUpperCase().replace(/[^A-Z0-9]/g, ""); }
  code.addEventListener("input", function () {
    var start = code.selectionStart;
    var before = code.value;
    var after = before.toUpperCase().replace(/[^A-Z0-9 -]/g, "");
    if (after !== before) {
      code.value = after;
      try { code.setSelectionRange(start, start); } catch (e) { /* not all inputs */ }
    }
    code.removeAttribute("aria-invalid");
  });
  form.addEventListener("submit", function (e) {
    code.value = tidy(code.value);
    name.value = name.value.replace(/\s+/g, " ").trim();
    var bad = null;
    if (!code.value) bad = code;
    else if (!name.value) bad = name;
    if (bad) {
      e.preventDefault();
      bad.setAttribute("aria-invalid", "true");
      bad.focus();
      return;
    }
    var btn = form.querySelector("button[type=submit]");
    // the page's own words (the template translated them): data-busy while it posts
    if (btn) {
      btn.setAttribute("data-label", btn.getAttribute("data-label") || btn.textContent);
      btn.disabled = true;
      btn.textContent = btn.getAttribute("data-busy") || btn.textContent;
    }
  });
  // back from the next page (bfcache): the button works again
  window.addEventListener("pageshow", function () {
    var btn = form.querySelector("button[type=submit]");
    if (btn) { btn.disabled = false; btn.textContent = btn.getAttribute("data-label") || btn.textContent; }
  });
})();
