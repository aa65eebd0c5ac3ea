/* Building the page: elements from data (text only), tabs, toasts, focus.
 *
 * Every piece of data from the server is inserted with textContent (through
 * `el`), never as HTML: names, chat and scenario text render as text.
 */

/** Create an element. attrs: {class, text, id, on: {click: fn}, dataset: {...}, ...attributes}. */
export function el(tag, attrs) {
  var node = document.createElement(tag);
  var a = attrs || {};
  Object.keys(a).forEach(function (k) {
    var v = a[k];
    if (v === null || v === undefined || v === false) return;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = String(v);
    else if (k === "on") Object.keys(v).forEach(function (ev) { node.addEventListener(ev, v[ev]); });
    else if (k === "style") Object.keys(v).forEach(function (p) { node.style[p] = v[p]; });
    else if (k === "dataset") Object.keys(v).forEach(function (d) { node.dataset[d] = v[d]; });
    else if (k === "checked" || k === "disabled" || k === "hidden" || k === "selected" || k === "value")
      node[k] = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  });
  for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
  return node;
}

function append(node, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
  if (typeof child === "string" || typeof child === "number") {
    node.appendChild(document.createTextNode(String(child)));
    return;
  }
  node.appendChild(child);
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** Replace a node's children. */
export function fill(node) {
  clear(node);
  for (var i = 1; i < arguments.length; i++) append(node, arguments[i]);
  return node;
}

/** Paragraphs from plain text (blank lines separate them). */
export function paragraphs(text) {
  return String(text || "").split(/\n\s*\n/).filter(function (p) { return p.trim(); })
    .map(function (p) { return el("p", { text: p.replace(/\s*\n\s*/g, " ").trim() }); });
}

export function $(id) { return document.getElementById(id); }

/** A short note in the corner for a few seconds. */
export function toast(text, kind) {
  var box = $("toasts");
  if (!box) return;
  var t = el("div", { class: "toast " + (kind || ""), text: text });
  box.appendChild(t);
  setTimeout(function () { t.classList.add("gone"); }, 5000);
  setTimeout(function () { if (t.parentNode) t.parentNode.removeChild(t); }, 5600);
}

/** Keyboard for a role=tablist: arrows, Home, End. onSelect(tabButton). */
export function tabs(list, onSelect) {
  var buttons = Array.prototype.slice.call(list.querySelectorAll('[role="tab"]'));
  buttons.forEach(function (b, i) {
    b.addEventListener("click", function () { onSelect(b); });
    b.addEventListener("keydown", function (e) {
      var j = null;
      if (e.key === "ArrowRight") j = (i + 1) % buttons.length;
      else if (e.key === "ArrowLeft") j = (i - 1 + buttons.length) % buttons.length;
      else if (e.key === "Home") j = 0;
      else if (e.key === "End") j = buttons.length - 1;
      if (j === null) return;
      e.preventDefault();
      buttons[j].focus();
      onSelect(buttons[j]);
    });
  });
  return function select(btn) {
    buttons.forEach(function (b) {
      var on = b === btn;
      b.setAttribute("aria-selected", on ? "true" : "false");
      b.tabIndex = on ? 0 : -1;
      var panel = $(b.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
    });
  };
}

/** Re-render a container, putting the focus back on the element with the same id. */
export function keepFocus(fn) {
  var a = document.activeElement;
  var id = a && a.id;
  var value = a && a.tagName === "INPUT" && a.type === "text" ? a.value : null;
  fn();
  if (id && document.activeElement !== a) {
    var again = document.getElementById(id);
    if (again) {
      if (value !== null && again.value === "") again.value = value;
      again.focus();
    }
  }
}
