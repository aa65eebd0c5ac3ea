/* Events in words: for the student's banners and timeline, the instructor's live log and
 * the projector. Each reader gets its own wording; the lookups they share are in
 * scenario.js. Pure: (view, event) -> text. */
import { fmtPoints, mmss, signed } from "./format.js";
import { N_, ngettext, t, tm } from "./i18n.js";
import { issueTitle, optionName, reasonText, roleById, shortName, splitRef } from "./scenario.js";
import { carriedText, issue, optionLabel, proposalName, reasonText as studentReason, shortRole } from "./play/selectors.js";
import { inLanguage } from "./play/translation.js";

/** {title, text, kind} for a student's banner or timeline, or null: not shown to students. */
export function describeForStudent(v, e) {
  var d = inLanguage(v, e).data || {};  // the scenario's texts in the student's language
  switch (e.type) {
    case "phase_started": return { title: t("Now: %(phase)s", { phase: d.title }),
      text: d.minutes ? ngettext("%(n)s minute", "%(n)s minutes", d.minutes) : "" };
    case "paused": return { title: t("The game is paused"), text: "" };
    case "resumed": return { title: t("The game resumed"), text: "" };
    case "extended": return { title: t("More time: +%(time)s", { time: mmss(d.seconds) }), text: "" };
    case "event_fired": return { title: d.title, text: d.text + (d.source ? " (" + d.source + ")" : ""), kind: "news" };
    case "message": return { title: t("From your instructor"), text: d.text, kind: "instructor" };
    case "proposal_made": return { title: t("%(role)s put a package on the table", { role: shortRole(v, d.role) }),
      text: t("Proposed by %(name)s.", { name: d.name }) };
    case "signed": return { title: t("%(role)s signed %(proposal)s", { role: shortRole(v, d.role), proposal: proposalName(v, d.proposal) }), text: "" };
    case "refused": return { title: t("%(role)s refused to sign", { role: shortRole(v, d.role) }), text: "" };
    case "table_settled": return d.outcome === "deal" ? { title: t("Agreement signed"), text: "", kind: "good" } :
      { title: t("No agreement"), text: v && v.table && v.table.id === d.table ?
        studentReason(v.table) + "." : "", kind: "bad" };
    case "linkage_declared": return { title: t("%(role)s declared a linkage", { role: shortRole(v, d.role) }),
      text: t("No agreement on %(issue)s unless %(option)s.", { issue: (issue(v, d.issue) || {}).title || d.issue, option: optionLabel(v, d.requires) }) };
    case "action_taken": return { title: shortRole(v, d.role) + ": " + d.title,
      text: (d.target ? t("Target: %(target)s.", { target: String(d.target).replace(/_/g, " ") }) + " " : "") + t("By %(name)s.", { name: d.name }) };
    case "private_effect": {
      var eff = d.effects || {}, bits = [];
      Object.keys(eff.batna || {}).forEach(function (r) { bits.push(t("your BATNA %(change)s", { change: signed(eff.batna[r]) })); });
      Object.keys(eff.points || {}).forEach(function (r) { bits.push(t("your points %(change)s", { change: signed(eff.points[r]) })); });
      return { title: t("Confidential: %(reason)s", { reason: d.reason || t("a change") }), text: bits.join(", ") + "." };
    }
    case "openings_revealed": return { title: t("Opening positions revealed"), text: t("See the history on Negotiate.") };
    case "opening_submitted": return { title: t("Your side's opening position is in"), text: t("The table sees both openings when this phase ends.") };
    case "seat_assigned": return { title: t("%(name)s sits at table %(table)s", { name: d.name, table: d.table }),
      text: t("as %(role)s.", { role: shortRole(v, d.role) }) };
    case "results_released": return { title: t("Results are out"), text: t("See Negotiate."), kind: "good" };
    case "game_finished": return { title: t("The game is over"), text: "" };
    case "step_started": return { title: t("Next scenario: %(title)s", { title: d.title }), text: carriedText(v) };
    case "threshold_crossed": return { title: d.title, text: d.text || "", kind: "news" };
    case "lobby_locked": return { title: d.locked ? t("Lobby locked") : t("Lobby open"), text: "" };
    case "seat_notice": return { title: t("Your seat"), text: d.message ? tm(d.message) : d.text, kind: "instructor" };
    case "batna_guessed": return { title: t("Your side estimated the %(role)s's BATNA", { role: shortRole(v, d.about) }),
      text: t("%(points)s points, by %(name)s.", { points: fmtPoints(d.guess), name: d.name }) };
    default: return null;
  }
}

/** The event types a student sees as a banner when they arrive live. */
export var BANNER_TYPES = { event_fired: 1, message: 1, phase_started: 1, results_released: 1,
  private_effect: 1, paused: 1, resumed: 1, extended: 1, game_finished: 1, step_started: 1,
  seat_notice: 1, threshold_crossed: 1 };

/** The instructor's log labels an event with this (catalog msgids: the log says t(label)). */
export var EVENT_LABELS = {
  phase_started: N_("Phase"), paused: N_("Paused"), resumed: N_("Resumed"), extended: N_("Extended"),
  event_fired: N_("Event"), message: N_("Instructor"), proposal_made: N_("Proposal"),
  signed: N_("Signed"), refused: N_("Refused"), table_settled: N_("Outcome"),
  linkage_declared: N_("Linkage"), action_taken: N_("Action"), private_effect: N_("Confidential"),
  openings_revealed: N_("Openings"), opening_submitted: N_("Opening"), seat_assigned: N_("Seat"),
  results_released: N_("Results"), game_finished: N_("Game over"), step_started: N_("Next scenario"),
  player_joined: N_("Joined"), player_kicked: N_("Removed"), lobby_locked: N_("Lobby"), chat: N_("Chat"),
};

/** A role's short name for the instructor (its id if the view has no such role). */
export function staffRoleName(v, id) {
  var r = roleById(v, id);
  return r ? shortName(r.name) : id;
}

function tableOf(v, id) {
  return ((v && v.tables) || []).filter(function (t) { return t.id === id; })[0] || null;
}
/** The server's words for why a table of the staff view ended without a deal. */
export function staffReason(v, tableId) {
  return reasonText(tableOf(v, tableId), t("no agreement"));
}
/** "2": the table's own count of a proposal, from the staff view. */
function proposalNumber(v, tableId, seq) {
  var t = tableOf(v, tableId);
  var p = t ? t.proposals.filter(function (x) { return x.seq === seq; })[0] : null;
  return p ? p.number : "?";
}

/** One line of the instructor's live log of a table. */
export function describeForLog(v, e) {
  var d = e.data || {};
  var roleName = function (id) { return staffRoleName(v, id); };
  switch (e.type) {
    case "chat": return t("%(name)s (%(role)s) in %(channel)s: %(text)s", { name: d.name, role: roleName(d.role), channel: d.channel, text: d.text });
    case "proposal_made": return t("%(role)s (%(name)s) proposed: %(package)s", { role: roleName(d.role), name: d.name,
      package: Object.keys(d.package).map(function (k) { return issueTitle(v, k) + " = " + optionName(v, k, d.package[k]); }).join("; ") });
    case "opening_submitted": return t("%(role)s submitted its opening.", { role: roleName(d.role) });
    case "openings_revealed": return t("Openings revealed.");
    case "signed": return t("%(role)s (%(name)s) signed proposal %(n)s.", { role: roleName(d.role), name: d.name, n: proposalNumber(v, d.table, d.proposal) });
    case "refused": return t("%(role)s (%(name)s) refused to sign.", { role: roleName(d.role), name: d.name });
    case "table_settled": return d.outcome === "deal" ? t("DEAL.") : t("No agreement: %(why)s.", { why: staffReason(v, d.table) });
    case "linkage_declared": {
      var ref = splitRef(d.requires);
      return t("%(role)s: no agreement on %(issue)s unless %(other)s = %(option)s.", { role: roleName(d.role),
        issue: issueTitle(v, d.issue), other: issueTitle(v, ref[0]), option: optionName(v, ref[0], ref[1]) });
    }
    case "action_taken": return d.target ?
      t("%(role)s (%(name)s): %(title)s → %(target)s.", { role: roleName(d.role), name: d.name, title: d.title, target: d.target }) :
      t("%(role)s (%(name)s): %(title)s.", { role: roleName(d.role), name: d.name, title: d.title });
    case "private_effect": return t("Private effect for %(role)s (%(reason)s): %(effects)s", { role: roleName(d.role), reason: d.reason, effects: JSON.stringify(d.effects) });
    case "event_fired": return d.table ? t("Event: %(title)s.", { title: d.title }) : t("Event: %(title)s (every table).", { title: d.title });
    case "message": return d.table ? t("Message to table %(table)s: %(text)s", { table: d.table, text: d.text }) :
      d.player ? t("Message to one player: %(text)s", { text: d.text }) : t("Message to everyone: %(text)s", { text: d.text });
    case "seat_assigned": return t("%(name)s → table %(table)s as %(role)s.", { name: d.name, table: d.table, role: roleName(d.role) });
    case "player_joined": return t("%(name)s joined.", { name: d.name });
    case "player_kicked": return t("%(name)s was removed.", { name: d.name });
    case "seat_reclaimed": {
      var seat = { name: d.name, table: d.table, role: roleName(d.role) };
      if (d.handed) return d.table ? t("%(name)s took the seat handed to them (table %(table)s, %(role)s).", seat) : t("%(name)s took the seat handed to them.", seat);
      return d.table ? t("%(name)s came back to their seat (table %(table)s, %(role)s).", seat) : t("%(name)s came back to their seat.", seat);
    }
    case "seat_handed": return t("%(seat)s's seat is handed to the next student who joins as %(name)s.", { seat: d.seat_name, name: d.name });
    case "players_merged": return t("%(absorbed)s now plays %(kept)s's seat.", { absorbed: d.absorb_name, kept: d.keep_name });
    case "seat_notice": return t("Told one student: %(text)s", { text: d.message ? tm(d.message) : d.text });
    case "phase_started": return t("Phase: %(title)s (%(minutes)s min).", { title: d.title, minutes: d.minutes });
    case "paused": return t("Paused.");
    case "resumed": return t("Resumed.");
    case "extended": return t("Extended by %(time)s.", { time: mmss(d.seconds) });
    case "results_released": return t("Results released.");
    case "game_finished": return t("Game over.");
    case "step_started": return t("Next scenario: %(title)s.", { title: d.title });
    case "lobby_locked": return d.locked ? t("Lobby locked.") : t("Lobby unlocked.");
    default: return e.type;
  }
}

/** A line of the projector's public events, or null: not for the room. */
export function describeForProjector(e) {
  var d = e.data || {};
  switch (e.type) {
    case "phase_started": return t("Now: %(phase)s", { phase: d.title });
    case "event_fired": return d.title + (d.text ? " — " + d.text : "");
    case "message": return t("Instructor: %(text)s", { text: d.text });
    case "paused": return t("Paused");
    case "resumed": return t("Resumed");
    case "extended": return t("More time: +%(time)s", { time: mmss(d.seconds) });
    case "results_released": return t("Results are out");
    case "game_finished": return t("The game is over");
    case "step_started": return t("Next scenario: %(title)s", { title: d.title });
    default: return null;
  }
}
