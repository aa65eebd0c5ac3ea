/* UI strings in the page's language. Each string the page builds goes through `t` (or
 * `ngettext`); the server's `{msg, args}` texts too.
 *
 * The catalog is the server's (`/i18n/<lang>.json`, built from the same .po files as the
 * templates; its address, with a version, is the page's <html data-i18n>). This module
 * loads it before any module that imports it runs (top-level await), so the first render
 * is already translated. Plural forms: the browser's Intl.PluralRules names the CLDR
 * category of n, and the catalog's `plural` map (derived from Babel's rule on the server)
 * says which .po form that category takes: Russian has three. Numbers are formatted with
 * Intl in the page's locale. Without a catalog (tests under node, a failed fetch) the
 * English source is shown. */

var PLACEHOLDER = /%\(([A-Za-z_][A-Za-z0-9_]*)\)[sd]/g;
var catalog = { locale: "en", plural: { one: 0, other: 1 }, messages: {} };

function substitute(msg, args) {
  if (!args) return msg;
  return msg.replace(PLACEHOLDER, function (whole, name) {
    return Object.prototype.hasOwnProperty.call(args, name) ? String(args[name]) : whole;
  });
}

/** Replaces the catalog (the loader below, and tests). */
export function useCatalog(next) {
  if (next && typeof next === "object" && next.messages) {
    catalog = { locale: next.locale || "en", plural: next.plural || { one: 0, other: 1 },
      messages: next.messages };
  }
}

/** Marks a message for extraction, untranslated (a table of labels said later with `t`). */
export function N_(msg) { return msg; }

/** The page's language, e.g. "ru". */
export function locale() { return catalog.locale; }

/** The message in the page's language, with `%(name)s` replaced from `args`. */
export function t(msg, args) {
  var src = String(msg);
  var hit = catalog.messages[src];
  return substitute(typeof hit === "string" && hit ? hit : src, args);
}

function formIndex(n) {
  var category = "other";
  try { category = new Intl.PluralRules(catalog.locale).select(Number(n)); } catch (e) { /* old browser */ }
  var map = catalog.plural || {};
  if (Object.prototype.hasOwnProperty.call(map, category)) return map[category];
  return Object.prototype.hasOwnProperty.call(map, "other") ? map.other : (n === 1 ? 0 : 1);
}

/** The plural form for n in the page's language (English: `singular` when n is 1, else
 * `plural`), substituted as `t` does; `n` and `num` are args too. */
export function ngettext(singular, plural, n, args) {
  var all = Object.assign({ n: n, num: n }, args || {});
  var forms = catalog.messages[String(singular)];
  if (Array.isArray(forms) && forms.length) {
    var i = formIndex(n);
    return substitute(String(forms[Math.min(i, forms.length - 1)]), all);
  }
  var english = new Intl.PluralRules("en").select(Number(n)) === "one" ? singular : plural;
  return substitute(String(english), all);
}

/** A server text in the page's language: a string as it is, `{msg, args}` (with `plural`
 * and `n` for a count) through the catalog, `{join, items}` part by part; an argument may
 * itself be such a text (roleplay/i18n/messages.py builds them). */
export function tm(text) {
  if (text === null || text === undefined) return "";
  if (typeof text !== "object") return String(text);
  if (Array.isArray(text.items)) return text.items.map(tm).join(String(text.join));
  var args = {};
  Object.keys(text.args || {}).forEach(function (k) { args[k] = tm(text.args[k]); });
  if (text.plural !== undefined) return ngettext(text.msg, text.plural, Number(text.n), args);
  return t(text.msg, args);
}

/** A number in the page's locale (Intl), e.g. 1 234,5 in Russian. */
export function formatNumber(n, options) {
  try { return new Intl.NumberFormat(catalog.locale, options).format(n); } catch (e) { return String(n); }
}

async function load() {
  if (typeof document === "undefined" || !document.documentElement) return;
  var url = document.documentElement.getAttribute("data-i18n");
  var lang = document.documentElement.getAttribute("lang") || "en";
  if (!url || lang === "en") { catalog.locale = lang || "en"; return; }
  try {
    var res = await fetch(url, { credentials: "same-origin" });
    if (res.ok) useCatalog(await res.json());
  } catch (e) { /* offline: the English source stays readable */ }
}

await load();
