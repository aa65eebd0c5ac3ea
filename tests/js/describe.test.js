// scenario.js, describe.js and play/selectors.js: options, reasons, packages and events
// in words, from a view.
import assert from "node:assert/strict";
import { test } from "node:test";
import { describeForLog, describeForProjector, describeForStudent } from "../../roleplay/web/static/describe.js";
import {
  againstBatna, allowed, breakdownText, draftComplete, linkageProblem, maxPoints, packagePoints,
  reasonOf, shortChannel, signedNoticeText, signingOpensText,
} from "../../roleplay/web/static/play/selectors.js";
import { optionName, reasonText, refLabel, shortName, splitRef } from "../../roleplay/web/static/scenario.js";

const issues = [
  { id: "trade", title: "Trade", options: [
    { id: "full", label: "Full DCFTA", points: 30, requires: ["rights.strong"], excludes: [] },
    { id: "none", label: "No trade chapter", points: 0, requires: [], excludes: [] }] },
  { id: "rights", title: "Human rights", options: [
    { id: "strong", label: "Binding clause", points: 5, requires: [], excludes: [] },
    { id: "soft.v2", label: "Soft wording", points: 15, requires: [], excludes: ["trade.full"] }] },
];
const roles = [
  { id: "eu", name: "EU (Commission and EEAS)", signatory: true, side: "eu" },
  { id: "government", name: "Government of Azerbaijan", signatory: true, side: "government" },
  { id: "civil_society", name: "Civil society", signatory: false, side: "civil_society" },
];
const phases = [
  { id: "brief", title: "Briefing", allow: ["chat"] },
  { id: "talk", title: "Talks", allow: ["chat", "propose"] },
  { id: "decide", title: "Decision", allow: ["sign"] },
];
// the server's linkage table (engine/rules.py linkage_conflicts) for these options
const REQUIRES = "'%(option)s' (%(issue)s) requires '%(other)s'.";
const EXCLUDES = "'%(option)s' (%(issue)s) cannot go with '%(other)s'.";
const linkage = [
  { options: ["trade.full", "rights.soft.v2"], reason: { code: "bad_request", msg: REQUIRES,
    args: { option: "Full DCFTA", issue: "Trade", other: "Binding clause" } } },
  { options: ["rights.soft.v2", "trade.full"], reason: { code: "bad_request", msg: EXCLUDES,
    args: { option: "Soft wording", issue: "Human rights", other: "Full DCFTA" } } },
];
const yes = { allowed: true, reason: null };
const notNow = (phase) => ({ allowed: false, reason: { code: "wrong_phase",
  msg: "You cannot sign during %(phase)s.", args: { phase } } });
function view(over = {}) {
  return {
    issues, roles, linkage,
    phase_allows: { chat: yes, propose: yes, sign: notNow("Talks") },
    role: { id: "eu", signatory: true, points_adjust: -5 },
    game: { status: "running", phase: { ...phases[1], index: 1 }, phases },
    table: { id: 1, current: 12, outcome: "open", signatures: { government: 12 }, deadlock_text: null,
      proposals: [{ seq: 12, number: 2, role: "government", package: { trade: "none", rights: "strong" } }],
      carried: [{ label: "Trust", value: 2, effects: ["BATNA +1"] }] },
    ...over,
  };
}

test("option references read as 'Issue: Option', ids when the view lacks them", () => {
  const v = view();
  assert.deepEqual(splitRef("rights.soft.v2"), ["rights", "soft.v2"]);
  assert.equal(refLabel(v, "rights.soft.v2"), "Human rights: Soft wording");
  assert.equal(refLabel(v, "trade.gone"), "Trade: trade.gone");
  assert.equal(refLabel(v, "nothing.x"), "nothing.x");
  assert.equal(optionName(v, "trade", "full"), "Full DCFTA");
  assert.equal(optionName(v, "trade", "gone"), "gone");
  assert.equal(shortName("EU (Commission and EEAS)"), "EU");
  assert.equal(shortName(undefined), "");
});

test("a table's reason is the server's words, or the reader's fallback", () => {
  assert.equal(reasonText({ deadlock_text: "the government refused" }, "x"), "the government refused");
  assert.equal(reasonText({ deadlock_text: null }, "no agreement"), "no agreement");
  assert.equal(reasonText(null, "no agreement"), "no agreement");
});

test("a package's points, the best possible, and whether the draft is whole", () => {
  const v = view();
  assert.equal(packagePoints(v, { trade: "full", rights: "strong" }), 30);
  assert.equal(packagePoints(v, { trade: "full" }), null);
  assert.equal(maxPoints(v), 45);
  assert.equal(draftComplete(v, { trade: "none" }), false);
  assert.equal(draftComplete(v, { trade: "none", rights: "strong" }), true);
});

test("a package's linkage problem is the server's refusal, from the view's table", () => {
  const v = view();
  assert.equal(linkageProblem(v, { trade: "full", rights: "soft.v2" }),
    "'Full DCFTA' (Trade) requires 'Binding clause'.");
  assert.equal(linkageProblem(v, { trade: "none", rights: "strong" }), null);
  assert.equal(linkageProblem(view({ linkage: [] }), { trade: "full", rights: "soft.v2" }), null);
});

test("what the phase allows is the server's verdict, and when signing opens", () => {
  const v = view();
  assert.equal(allowed(v, "propose"), true);
  assert.equal(allowed(v, "sign"), false);
  assert.equal(allowed(v, "link"), false);  // no verdict: not allowed
  assert.equal(allowed({ ...v, phase_allows: undefined }, "chat"), false);
  assert.equal(reasonOf(v.phase_allows.sign), null);  // a verdict is not a reason
  assert.equal(reasonOf(v.phase_allows.sign.reason), "You cannot sign during Talks.");
  assert.equal(signingOpensText(v), "Signing opens in the next phase, “Decision”, when this clock runs out.");
});

test("against the BATNA, the breakdown and who signed", () => {
  assert.deepEqual(againstBatna(20, 20), { text: "equal to your BATNA", cls: "even" });
  assert.equal(againstBatna(21, 20).cls, "good");
  assert.equal(againstBatna(19, 20).cls, "bad");
  assert.equal(breakdownText({ options: 35, adjust: -5 }), "options 35, actions and events -5");
  assert.equal(breakdownText({ options: 35, adjust: 0 }), "");
  assert.equal(signedNoticeText(view(), ["government"]),
    "The Government of Azerbaijan has signed; your signature closes the deal.");
  assert.equal(shortChannel("EU–government channel (official)"), "EU–government");
});

test("a student reads events about their table in words", () => {
  const v = view();
  assert.deepEqual(describeForStudent(v, { type: "signed", data: { role: "government", proposal: 12 } }),
    { title: "Government of Azerbaijan signed proposal 2", text: "" });
  assert.equal(describeForStudent(v, { type: "linkage_declared",
    data: { role: "eu", issue: "trade", requires: "rights.strong" } }).text,
  "No agreement on Trade unless Human rights: Binding clause.");
  const ended = view({ table: { ...v.table, deadlock_text: "the EU refused" } });
  assert.deepEqual(describeForStudent(ended, { type: "table_settled", data: { table: 1, outcome: "deadlock" } }),
    { title: "No agreement", text: "the EU refused.", kind: "bad" });
  assert.equal(describeForStudent(v, { type: "table_settled", data: { table: 2, outcome: "deadlock" } }).text, "");
  assert.equal(describeForStudent(v, { type: "step_started", data: { title: "Next" } }).text, "Trust: 2 (BATNA +1)");
  assert.equal(describeForStudent(v, { type: "private_effect",
    data: { reason: "an arrest", effects: { batna: { eu: -2 }, points: { eu: 1 } } } }).text,
  "your BATNA -2, your points +1.");
  assert.equal(describeForStudent(v, { type: "player_joined", data: {} }), null);
});

test("the instructor's log and the projector word the same events their way", () => {
  const staff = { issues, roles, tables: [{ id: 1, deadlock_text: null, proposals: [{ seq: 12, number: 2 }] }] };
  assert.equal(describeForLog(staff, { type: "proposal_made",
    data: { role: "eu", name: "Ann", package: { trade: "none", rights: "strong" } } }),
  "EU (Ann) proposed: Trade = No trade chapter; Human rights = Binding clause");
  assert.equal(describeForLog(staff, { type: "signed", data: { role: "government", name: "Bo", table: 1, proposal: 12 } }),
    "Government of Azerbaijan (Bo) signed proposal 2.");
  assert.equal(describeForLog(staff, { type: "table_settled", data: { table: 1, outcome: "deadlock" } }),
    "No agreement: no agreement.");
  assert.equal(describeForLog(staff, { type: "linkage_declared",
    data: { role: "eu", issue: "trade", requires: "rights.soft.v2" } }),
  "EU: no agreement on Trade unless Human rights = Soft wording.");
  assert.equal(describeForLog(staff, { type: "something_new", data: {} }), "something_new");
  // a seat notice in the staff log is the catalog text the student got, not its English copy
  assert.equal(describeForLog(staff, { type: "seat_notice",
    data: { text: "old English", message: { msg: "Your seat is table %(table)s", args: { table: "3" } } } }),
  "Told one student: Your seat is table 3");
  assert.equal(describeForLog(staff, { type: "seat_notice", data: { text: "plain" } }), "Told one student: plain");
  assert.equal(describeForProjector({ type: "extended", data: { seconds: 60 } }), "More time: +1:00");
  assert.equal(describeForProjector({ type: "chat", data: {} }), null);
});
