/* The Negotiate panel's sticky footer: the draft's points against the BATNA and what to
 * do with it (submit, propose, suggest), or in the decision phase Sign and Refuse. */
import { el, fill, keepFocus, $ } from "../dom.js";
import { fmtPoints } from "../format.js";
import { send } from "./app.js";
import {
  againstBatna, allowed, currentProposal, draftComplete, linkageProblem, maxPoints, nextPhaseAllowing,
  option, othersSigned, othersSignedAll, packagePoints, shortRole, signingOpensText,
} from "./selectors.js";
import { S } from "./state.js";
import { t } from "../i18n.js";

function sameAsSuggestion(pkg) {
  var sg = ((S.view.table || {}).suggestions || []).filter(function (x) { return x.seq === S.suggestion; })[0];
  if (!sg) return null;
  var same = Object.keys(sg.package).every(function (k) { return sg.package[k] === pkg[k]; });
  return same ? sg.seq : null;
}

export function renderFooter() {
  var v = S.view, role = v.role, tb = v.table;
  var box = $("package-footer");
  if (!box) return;
  if (v.can.refuse.allowed) { renderDecisionFooter(box); return; }  // the decision: sign or refuse
  box.classList.remove("decision");
  var complete = draftComplete(S.view, S.draft);
  var total = complete ? packagePoints(S.view, S.draft) : null;
  var partial = 0, chosen = 0;
  (v.issues || []).forEach(function (is) {
    var o = option(S.view, is.id, S.draft[is.id]);
    if (o) { partial += o.points; chosen++; }
  });
  partial += role.points_adjust || 0;
  var max = Math.max(maxPoints(S.view), role.batna, 1);
  var shown = complete ? total : partial;
  var opening = allowed(S.view, "open");
  var mySideOpened = tb.openings && tb.openings[role.side];
  var button = null, note = null;
  var problem = complete ? linkageProblem(S.view, S.draft) : null;
  if (role.signatory && tb.outcome === "open") {
    var can = !!(opening ? v.can.open : v.can.propose).allowed;
    var label = opening ? (mySideOpened ? t("Opening submitted") : t("Submit opening")) : t("Propose this package");
    button = el("button", { type: "button", class: "button primary", id: "propose",
      disabled: !can || !complete || !!problem,
      on: { click: function (e) {
        var pkg = {};
        (v.issues || []).forEach(function (is) { pkg[is.id] = S.draft[is.id]; });
        var from = sameAsSuggestion(pkg);
        if (opening) send("open", { package: pkg }, e.target, t("Opening position submitted."));
        else send("propose", from === null ? { package: pkg } : { package: pkg, suggestion: from },
          e.target, t("Your package is on the table."));
      } } }, label);
    var ph = v.game.phase;
    var phaseSends = !!ph && (ph.allow.indexOf("open") >= 0 || ph.allow.indexOf("propose") >= 0);
    if (!phaseSends && v.game.status !== "finished") {
      // nothing to send in this phase: no greyed button, just when packages open
      button = null;
      var later = nextPhaseAllowing(S.view, ["open", "propose"]);
      note = later ? t("You can send a package in the phase “%(phase)s”. Until then, plan one here.", { phase: later.title }) :
        t("Packages are not open in this phase.");
    } else if (!complete) note = t("Choose an option for every issue (%(chosen)s of %(count)s).", { chosen: chosen, count: (v.issues || []).length });
    else if (problem) note = problem;
    else if (!can && !mySideOpened) note = v.game.status === "running" ? t("Proposals are not open in this phase.") :
      t("Wait for the phase to start.");
    else if (allowed(S.view, "propose")) note = signingOpensText(S.view);
  } else if (!role.signatory) {
    note = allowed(S.view, "sign") ? t("The signatories now sign or refuse the package on the table; your role does not sign.") :
      allowed(S.view, "propose") ? (complete && problem ? problem : t("Only the EU and the government put packages on the table; suggest yours to one of them (they may adopt it).")) :
      t("Only the EU and the government make proposals. Use this to work out what to argue for in the channels.");
    if (v.can.suggest.allowed) {
      button = el("div", { class: "suggest-buttons" }, v.roles.filter(function (r) { return r.signatory; }).map(function (r) {
        return el("button", { type: "button", class: "button", id: "suggest-" + r.id,
          disabled: !complete || !!problem,
          on: { click: function (e) {
            var pkg = {};
            (v.issues || []).forEach(function (is) { pkg[is.id] = S.draft[is.id]; });
            send("suggest", { package: pkg, to: r.id }, e.target, t("Suggested to the %(role)s.", { role: shortRole(S.view, r.id) }));
          } } }, t("Suggest to the %(role)s", { role: shortRole(S.view, r.id) }));
      }));
    }
  }
  keepFocus(function () {
    fill(box,
      el("div", { class: "footer-line" },
        el("span", { class: "footer-total" },
          el("strong", { text: fmtPoints(shown) }), complete ? t(" points") : t(" points so far")),
        el("span", { class: "footer-batna", text: t("BATNA %(points)s", { points: fmtPoints(role.batna) }) })),
      pointsBar(shown, role.batna, max),
      note ? el("p", { class: "footer-note" + (note === signingOpensText(S.view) ? " repeat" : ""), id: "footer-note", text: note }) : null,
      button);
  });
}

function pointsBar(shown, batna, max) {
  var pct = Math.max(0, Math.min(100, 100 * shown / max));
  var bpct = Math.max(0, Math.min(100, 100 * batna / max));
  return el("div", { class: "bar", role: "img",
    "aria-label": t("Package total %(total)s against your BATNA %(batna)s (best possible %(max)s)", { total: fmtPoints(shown), batna: fmtPoints(batna), max: fmtPoints(max) }) },
    el("span", { class: "bar-fill " + (shown >= batna ? "good" : "bad"), style: { width: pct.toFixed(1) + "%" } }),
    el("span", { class: "bar-batna", style: { left: bpct.toFixed(1) + "%" } }));
}

/** The decision phase: the footer holds the one thing to do, Sign or Refuse the package on the table. */
function renderDecisionFooter(box) {
  var v = S.view, role = v.role, tb = v.table;
  var cur = currentProposal(S.view);
  box.classList.add("decision");
  if (!cur) {
    keepFocus(function () {
      fill(box, el("p", { class: "footer-note", id: "footer-note",
        text: t("No package was put on the table: there is nothing to sign, and the table ends without a deal.") }));
    });
    return;
  }
  var total = tb.my_total_current;
  var cmp = againstBatna(total, role.batna);
  var signedByMe = tb.signatures[role.id] === cur.seq;
  var others = othersSigned(S.view);
  var line = el("div", { class: "footer-line" },
    el("span", { class: "footer-total" }, t("Proposal %(number)s", { number: cur.number }) + ": ",
      el("strong", { text: fmtPoints(total) }), " " + t("points for you")),
    el("span", { class: "footer-batna " + cmp.cls, text: t("BATNA %(points)s", { points: fmtPoints(role.batna) }) }));
  var closes = others.length && othersSignedAll(S.view, others);
  var note = signedByMe ? t("You signed. Waiting for the other side.") :
    closes ? t("Your signature closes the deal.") :
    cmp.text.charAt(0).toUpperCase() + cmp.text.slice(1) + ".";
  var buttons;
  if (S.confirmRefuse) {
    buttons = el("div", { class: "footer-buttons confirm", role: "group", "aria-label": t("Confirm refusal") },
      el("span", { class: "confirm-text", text: t("Refuse for good? The table ends with no deal.") }),
      el("button", { type: "button", class: "button danger", id: "refuse-yes",
        on: { click: function (e) { S.confirmRefuse = false; send("refuse", {}, e.target); } } }, t("Yes, refuse")),
      el("button", { type: "button", class: "button", id: "refuse-no",
        on: { click: function () { S.confirmRefuse = false; renderFooter(); $("refuse").focus(); } } }, "Cancel"));
  } else {
    buttons = el("div", { class: "footer-buttons" },
      el("button", { type: "button", class: "button primary", id: "sign", disabled: signedByMe,
        on: { click: function (e) { send("sign", { proposal: cur.seq }, e.target, t("You signed.")); } } },
        signedByMe ? t("Signed") : t("Sign")),
      el("button", { type: "button", class: "button danger-outline", id: "refuse",
        on: { click: function () { S.confirmRefuse = true; renderFooter(); $("refuse-yes").focus(); } } }, "Refuse"));
  }
  keepFocus(function () {
    fill(box, line,
      el("p", { class: "footer-note" + (others.length && !signedByMe ? " strong" : ""), id: "footer-note", text: note }),
      buttons);
  });
}
