/* Looking up a view's roles, issues and options: one copy for every page. Pure. */
import { tm } from "./i18n.js";

/** A role's name without its bracket: "EU (Commission and EEAS)" -> "EU". */
export function shortName(name) {
  var n = name || "";
  var i = n.indexOf(" (");
  return i > 0 ? n.slice(0, i) : n;
}

export function roleById(v, id) {
  var rs = (v && v.roles) || [];
  for (var i = 0; i < rs.length; i++) if (rs[i].id === id) return rs[i];
  return null;
}

export function issueById(v, id) {
  var is = (v && v.issues) || [];
  for (var i = 0; i < is.length; i++) if (is[i].id === id) return is[i];
  return null;
}

export function optionById(v, issueId, optionId) {
  var is = issueById(v, issueId);
  if (!is) return null;
  for (var i = 0; i < is.options.length; i++) if (is.options[i].id === optionId) return is.options[i];
  return null;
}

/** "issue.option" -> ["issue", "option"] (an option id may hold dots). */
export function splitRef(ref) {
  var parts = String(ref).split(".");
  return [parts[0], parts.slice(1).join(".")];
}

/** An issue's title, or its id. */
export function issueTitle(v, id) {
  var is = issueById(v, id);
  return is ? is.title : id;
}

/** An option's label, or its id. */
export function optionName(v, issueId, optionId) {
  var o = optionById(v, issueId, optionId);
  return o ? o.label : optionId;
}

/** "Issue: Option" for a reference "issue.option". */
export function refLabel(v, ref) {
  var r = splitRef(ref);
  var o = optionById(v, r[0], r[1]);
  var is = issueById(v, r[0]);
  return (is ? is.title + ": " : "") + (o ? o.label : ref);
}

/** The server's words for why a table ended without a deal, or `fallback`. */
export function reasonText(table, fallback) {
  if (table && table.deadlock_message) return tm(table.deadlock_message);
  return (table && table.deadlock_text) || fallback;
}
