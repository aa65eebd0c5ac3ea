/* What the student's page reads from its view (`v`, the server's view of one seat).
 * Pure: no DOM, no state of the page's own; each takes what it reads. */
import { fmtPoints, signed } from "../format.js";
import { ngettext, t, tm } from "../i18n.js";
import { issueById, optionById, reasonText as tableReason, refLabel, roleById, shortName } from "../scenario.js";

export function roleName(v, id) { var r = roleById(v, id); return r ? r.name : id; }
export function shortRole(v, id) { return shortName(roleName(v, id) || ""); }
export var issue = issueById;
export var option = optionById;
export var optionLabel = refLabel;

/** Whether the game and the phase let this seat send `cap` now: the server's verdict
 * (`phase_allows`, the engine's phase rule), never worked out here. */
export function allowed(v, cap) {
  var p = v && v.phase_allows && v.phase_allows[cap];
  return !!(p && p.allowed);
}

/** A server reason (`{msg, args}`) in the page's language, or null. */
export function reasonOf(r) {
  return r && r.msg ? t(r.msg, r.args) : null;
}

/** A whole package's points for this seat, or null if an issue has no option. */
export function packagePoints(v, pkg) {
  if (!pkg || !v.issues) return null;
  var total = 0;
  for (var i = 0; i < v.issues.length; i++) {
    var is = v.issues[i];
    var o = option(v, is.id, pkg[is.id]);
    if (!o) return null;
    total += o.points;
  }
  return total + (v.role ? v.role.points_adjust || 0 : 0);
}

export function maxPoints(v) {
  var total = 0;
  (v.issues || []).forEach(function (is) {
    total += Math.max.apply(null, is.options.map(function (o) { return o.points; }));
  });
  return total + (v.role ? Math.max(0, v.role.points_adjust || 0) : 0);
}

/** The refusal the server gives a package, from the view's linkage table (the option
 * sets no package may hold, each with its reason), or null. */
export function linkageProblem(v, pkg) {
  var chosen = {};
  Object.keys(pkg).forEach(function (k) { chosen[k + "." + pkg[k]] = true; });
  var hit = (v.linkage || []).filter(function (c) {
    return c.options.every(function (ref) { return chosen[ref]; });
  })[0];
  return hit ? reasonOf(hit.reason) : null;
}

/** Every issue of the view has an option chosen in `draft`. */
export function draftComplete(v, draft) {
  return (v.issues || []).every(function (is) { return !!option(v, is.id, draft[is.id]); });
}

export function currentProposal(v) {
  var tb = v.table;
  if (!tb || tb.current === null || tb.current === undefined) return null;
  for (var i = 0; i < tb.proposals.length; i++) if (tb.proposals[i].seq === tb.current) return tb.proposals[i];
  return null;
}
export function proposalBySeq(v, seq) {
  var ps = (v && v.table && v.table.proposals) || [];
  for (var i = 0; i < ps.length; i++) if (ps[i].seq === seq) return ps[i];
  return null;
}
/** "proposal 2": numbered at this table by the server, not the game's event sequence. */
export function proposalName(v, seq) {
  var p = proposalBySeq(v, seq);
  return t("proposal %(number)s", { number: p ? p.number : "" });
}
/** The next phase (after the current one) in which signing is allowed, or null. */
export function signingPhase(v) {
  var g = v.game, phases = g.phases || [];
  var from = g.phase ? g.phase.index + 1 : 0;
  for (var i = from; i < phases.length; i++)
    if ((phases[i].allow || []).indexOf("sign") >= 0) return { phase: phases[i], next: i === from };
  return null;
}
/** The first phase after the current one that allows one of `caps`, or null. */
export function nextPhaseAllowing(v, caps) {
  var g = v.game, phases = g.phases || [];
  for (var i = (g.phase ? g.phase.index + 1 : 0); i < phases.length; i++)
    if (caps.some(function (c) { return (phases[i].allow || []).indexOf(c) >= 0; })) return phases[i];
  return null;
}
export function signingOpensText(v) {
  var sp = signingPhase(v);
  if (!sp) return null;
  return sp.next ? t("Signing opens in the next phase, “%(phase)s”, when this clock runs out.", { phase: sp.phase.title }) :
    t("Signing opens in the phase “%(phase)s”.", { phase: sp.phase.title });
}
/** "better than", "equal to" or "worse than" your BATNA, with the class for its colour. */
export function againstBatna(total, batna) {
  if (Math.abs(total - batna) < 1e-9) return { text: t("equal to your BATNA"), cls: "even" };
  return total > batna ? { text: t("better than your BATNA"), cls: "good" } : { text: t("worse than your BATNA"), cls: "bad" };
}
/** "options 35, actions and events -5": what makes a total, from the view's numbers. */
export function breakdownText(b) {
  if (!b || !b.adjust) return "";
  return t("options %(options)s, actions and events %(adjust)s", { options: fmtPoints(b.options), adjust: signed(b.adjust) });
}
/** The other signatories who signed the package on the table while this role has not. */
export function othersSigned(v) {
  var tb = v.table, cur = currentProposal(v);
  if (!cur || tb.outcome !== "open" || !v.role.signatory) return [];
  return v.roles.filter(function (r) {
    return r.signatory && r.id !== v.role.id && tb.signatures[r.id] === cur.seq;
  }).map(function (r) { return r.id; });
}
/** `others` are all the other signatories. */
export function othersSignedAll(v, others) {
  var need = v.roles.filter(function (r) { return r.signatory && r.id !== v.role.id; }).length;
  return others.length === need;
}
export function signedNoticeText(v, others) {
  var names = others.map(function (r) { return t("The %(role)s", { role: shortRole(v, r) }); }).join(t(" and "));
  var all = othersSignedAll(v, others);
  return all ? ngettext("%(roles)s has signed; your signature closes the deal.", "%(roles)s have signed; your signature closes the deal.", others.length, { roles: names }) :
    ngettext("%(roles)s has signed.", "%(roles)s have signed.", others.length, { roles: names });
}
export function seated(v) {
  return !!(v && v.role && v.table);
}

/** Why the talks at a table ended without a deal, in the server's words. */
export function reasonText(tb) {
  return tableReason(tb, t("the talks ended without an agreement"));
}

/** What the table carried from the campaign's previous step (the server words it). */
export function carriedText(v) {
  var c = (v && v.table && v.table.carried) || [];
  return c.map(function (x) {
    return x.label + ": " + fmtPoints(x.value) + (x.effects.length ? " (" + x.effects.join(", ") + ")" : "");
  }).join("; ");
}

/** One earlier scenario of a campaign, for this seat. */
export function previousLine(x) {
  return x.title + ": " + (x.outcome === "deal" ? t("agreement, %(points)s points for you", { points: fmtPoints(x.points) }) :
    (x.deadlock_text ? t("no agreement (%(why)s), your BATNA %(batna)s points", { why: x.deadlock_message ? tm(x.deadlock_message) : x.deadlock_text, batna: fmtPoints(x.batna) }) :
      t("no agreement, your BATNA %(batna)s points", { batna: fmtPoints(x.batna) })));
}

/** A channel's name for its pill: "EU–government channel (…)" -> "EU–government". */
export function shortChannel(name) {
  var i = name.indexOf(" (");
  var n = i > 0 ? name.slice(0, i) : name;
  return n.replace(/ channel$/i, "");
}
