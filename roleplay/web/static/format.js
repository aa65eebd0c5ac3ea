/* Numbers, times and names as the pages print them. Pure: no DOM. */
import { formatNumber, locale, t } from "./i18n.js";

export function fmtPoints(x) {
  if (x === null || x === undefined || isNaN(x)) return "–";
  var r = Math.round(x * 10) / 10;
  return formatNumber(r, { maximumFractionDigits: 1, useGrouping: false });
}

export function signed(x) {
  var s = fmtPoints(x);
  return x > 0 ? "+" + s : s;
}

export function fmtTime(epochSeconds) {
  var d = new Date(epochSeconds * 1000);
  var options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  // the page's language, not the browser's (an English phone reading the Russian page)
  try { return d.toLocaleTimeString(locale(), options); } catch (e) { return d.toLocaleTimeString([], options); }
}

/** "4:05" from seconds. */
export function mmss(seconds) {
  var s = Math.round(seconds || 0);
  var m = Math.floor(s / 60);
  return m + ":" + ("0" + (s % 60)).slice(-2);
}

/** A score that may be missing: "–". */
export function scoreText(x) { return x === null || x === undefined ? "–" : fmtPoints(x); }

export function randomId() {
  var b = new Uint8Array(12);
  globalThis.crypto.getRandomValues(b);
  return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
}

/** A table type as the debrief names it ("cherry-picking", not "cherry picking"). */
export var TYPE_LABELS = {
  unilateral_template: "unilateral template", joint_standard: "joint standard",
  cherry_picking: "cherry-picking", tailor_made_partnership: "tailor-made partnership", deadlock: "deadlock",
};
/** The label in the page's language (the catalog has them from roleplay/scoring/measures.py). */
export function typeLabel(x) { return x ? (TYPE_LABELS[x] ? t(TYPE_LABELS[x]) : String(x).replace(/_/g, " ")) : ""; }
