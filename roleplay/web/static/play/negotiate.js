/* The Negotiate panel: the instructions, results, what is on the table, the package
 * form (one card per issue), linkage and the history. The footer is in footer.js. */
import { el, fill, keepFocus, toast, $ } from "../dom.js";
import { fmtPoints, signed } from "../format.js";
import { send } from "./app.js";
import { renderFooter } from "./footer.js";
import { renderResults } from "./results.js";
import {
  againstBatna, allowed, breakdownText, currentProposal, issue, option, optionLabel, othersSigned,
  reasonText, shortRole, signedNoticeText, signingOpensText,
} from "./selectors.js";
import { DRAFT_KEY, S, saveDraft, store } from "./state.js";
import { t } from "../i18n.js";

function seedDraft() {
  if (S.draftTouched) return;
  var cur = currentProposal(S.view);
  var tb = S.view.table, role = S.view.role;
  var base = cur ? cur.package : (tb.openings && tb.openings[role.side]) || null;
  if (base) S.draft = Object.assign({}, base);
}

export function renderNegotiate() {
  var v = S.view;
  var panel = $("panel-negotiate");
  var key = v.scenario.id + "|" + v.role.id + "|" + (v.issues || []).map(function (i) { return i.id + ":" + i.options.length; }).join(",");
  if (S.structureKey !== key) {
    if (S.structureKey && S.structureKey.split("|")[0] !== v.scenario.id) {
      // a campaign's next scenario: new issues, a new package
      S.draft = {};
      S.draftTouched = false;
      store.del(DRAFT_KEY);
    }
    S.structureKey = key;
    fill(panel,
      el("div", { id: "neg-instructions" }),
      el("div", { id: "neg-results" }),
      el("div", { id: "neg-previous" }),
      el("div", { id: "neg-table" }),
      el("form", { id: "package-form", class: "issues", "aria-label": t("Your package") },
        el("h2", { class: "section-title", text: t("Your package") }),
        el("p", { class: "help", text: t("Choose one option per issue. The numbers are your points only; the others see different numbers.") }),
        (v.issues || []).map(issueCard)),
      el("div", { id: "neg-linkage" }),
      el("div", { id: "neg-history" }),
      el("div", { id: "package-footer", class: "sticky-footer" }));
    $("package-form").addEventListener("change", function (e) {
      if (e.target.type !== "radio") return;
      S.draft[e.target.name.replace(/^issue-/, "")] = e.target.value;
      S.draftTouched = true;
      saveDraft();
      renderFooter();
    });
    $("package-form").addEventListener("submit", function (e) { e.preventDefault(); });
  }
  seedDraft();
  // radios follow the draft
  (v.issues || []).forEach(function (is) {
    is.options.forEach(function (o) {
      var r = $("opt-" + is.id + "-" + o.id);
      if (r) r.checked = S.draft[is.id] === o.id;
    });
  });
  var settled = v.table.outcome !== "open" || v.game.status === "finished";
  // deciding: nothing to compose any more, the footer holds Sign and Refuse
  var deciding = allowed(S.view, "sign") && !allowed(S.view, "propose") && !allowed(S.view, "open");
  $("package-form").hidden = settled || deciding;
  $("package-footer").hidden = settled;
  $("neg-linkage").hidden = settled || deciding;
  var ph = v.game.phase;
  fill($("neg-instructions"), ph && ph.instructions && v.game.status !== "finished" ?
    el("p", { class: "notice", text: ph.instructions }) : null);
  renderResults();
  renderOnTable();
  renderLinkage();
  renderHistory();
  renderFooter();
}

function issueCard(is) {
  return el("fieldset", { class: "card issue", id: "issue-" + is.id },
    el("legend", { text: is.title }),
    is.description ? el("p", { class: "help", text: is.description }) : null,
    el("div", { class: "options" }, is.options.map(function (o) {
      var id = "opt-" + is.id + "-" + o.id;
      var notes = [];
      o.requires.forEach(function (r) { notes.push(t("Requires %(option)s", { option: optionLabel(S.view, r) })); });
      o.excludes.forEach(function (r) { notes.push(t("Not with %(option)s", { option: optionLabel(S.view, r) })); });
      return el("label", { class: "option", for: id },
        el("input", { type: "radio", name: "issue-" + is.id, id: id, value: o.id }),
        el("span", { class: "option-body" },
          el("span", { class: "option-label", text: o.label }),
          o.description ? el("span", { class: "option-desc", text: o.description }) : null,
          notes.length ? el("span", { class: "option-note", text: notes.join(" · ") }) : null),
        el("span", { class: "points", "aria-label": fmtPoints(o.points) + " points for you" },
          el("span", { class: "points-n", text: fmtPoints(o.points) }),
          el("span", { class: "points-u", text: t("pts") })));
    })));
}

export function packageList(pkg) {
  return el("ul", { class: "package" }, (S.view.issues || []).map(function (is) {
    var o = option(S.view, is.id, pkg[is.id]);
    return el("li", {},
      el("span", { class: "pk-issue", text: is.title }),
      el("span", { class: "pk-option", text: o ? o.label : "–" }),
      el("span", { class: "pk-points", text: o ? fmtPoints(o.points) : "" }));
  }));
}

function renderOnTable() {
  var v = S.view, tb = v.table, role = v.role;
  var cur = currentProposal(S.view);
  var box = $("neg-table");
  var parts = [];
  if (tb.outcome !== "open") {
    var deal = tb.outcome === "deal";
    var dp = tb.my_points_deal;
    var mine = deal && dp ? dp.total : role.batna;
    parts.push(el("section", { class: "card outcome " + tb.outcome, "aria-labelledby": "outcome-title" },
      el("h2", { id: "outcome-title", text: deal ? t("Agreement signed") : t("No agreement") }),
      el("p", { text: deal ? t("Both signatories signed. For you this package is worth %(points)s points%(breakdown)s, %(against)s (%(batna)s).", {
        points: fmtPoints(mine), breakdown: breakdownText(dp) ? " (" + breakdownText(dp) + ")" : "",
        against: againstBatna(mine, role.batna).text, batna: fmtPoints(role.batna) }) :
        (role.points_adjust ?
          t("The talks ended without a deal: %(reason)s. Every role gets its BATNA, and the costs and bonuses of its actions stand: you get %(batna)s %(adjust)s = %(total)s points.", {
            reason: reasonText(tb), batna: fmtPoints(role.batna), adjust: signed(role.points_adjust),
            total: fmtPoints(role.batna + role.points_adjust) }) :
          t("The talks ended without a deal: %(reason)s. Every role gets its BATNA: you get %(batna)s points.", {
            reason: reasonText(tb), batna: fmtPoints(role.batna) })) }),
      deal ? packageList(tb.deal) : null));
  }
  if (cur && tb.outcome === "open") {
    var total = tb.my_total_current;
    var cmp = againstBatna(total, role.batna);
    var sigs = v.roles.filter(function (r) { return r.signatory; }).map(function (r) {
      var ok = tb.signatures[r.id] === cur.seq;
      return el("li", { class: ok ? "yes" : "no" },
        el("span", { "aria-hidden": "true", text: ok ? "✓ " : "○ " }),
        shortRole(S.view, r.id) + (ok ? t(" signed") : t(" has not signed")));
    });
    var others = othersSigned(S.view);
    var when = !allowed(S.view, "sign") && role.signatory ? signingOpensText(S.view) : null;
    parts.push(el("section", { class: "card on-table", "aria-labelledby": "ontable-title" },
      el("p", { class: "kicker", text: t("On the table · proposal %(number)s of %(count)s", { number: cur.number, count: tb.proposals.length }) }),
      el("h2", { id: "ontable-title", text: t("Proposed by %(role)s", { role: shortRole(S.view, cur.role) }) + (cur.role === role.id ? t(" (your side)") : "") }),
      el("p", { class: "total-line" },
        t("For you:") + " ", el("strong", { text: t("%(points)s points", { points: fmtPoints(total) }) }),
        breakdownText(tb.my_points_current) ? el("span", { class: "breakdown", text: " (" + breakdownText(tb.my_points_current) + ")" }) : null,
        el("br"),
        el("span", { class: cmp.cls, text: cmp.text }), " (" + fmtPoints(role.batna) + ")"),
      others.length ? el("p", { class: "notice signed-notice", id: "signed-notice",
        text: signedNoticeText(S.view, others) }) : null,
      packageList(cur.package),
      el("ul", { class: "plain sigs" }, sigs),
      when ? el("p", { class: "help", id: "signing-opens", text: when }) : null,
      v.can.propose.allowed ? el("button", { type: "button", class: "button link", id: "use-current",
        on: { click: function () { S.draft = Object.assign({}, cur.package); S.draftTouched = true;
          saveDraft(); renderNegotiate(); toast(t("Copied into your package below.")); } } },
        t("Start from this package")) : null));
  } else if (tb.outcome === "open") {
    parts.push(el("p", { class: "muted empty", text: allowed(S.view, "sign") ?
      t("No package was put on the table, so there is nothing to sign: the table ends without a deal.") :
      t("No package is on the table yet.") }));
  }
  if (tb.outcome === "open") (tb.suggestions || []).forEach(function (sg) { parts.push(suggestionCard(sg)); });
  keepFocus(function () { fill(box, parts); });
}

// a non-binding package a non-signatory put to a signatory (the server sends each side its own)
function suggestionCard(sg) {
  var v = S.view, mine = sg.role === v.role.id;
  var canAdopt = !mine && v.can.propose.allowed;
  return el("section", { class: "card suggestion", id: "suggestion-" + sg.seq },
    el("p", { class: "kicker", text: mine ? t("Your suggestion to the %(role)s", { role: shortRole(S.view, sg.to) }) :
      t("Suggested to you by %(role)s · not binding", { role: shortRole(S.view, sg.role) }) }),
    el("p", { class: "total-line" }, t("For you:") + " ", el("strong", { text: t("%(points)s points", { points: fmtPoints(sg.points) }) })),
    packageList(sg.package),
    canAdopt ? el("button", { type: "button", class: "button link", id: "adopt-" + sg.seq,
      on: { click: function () { S.draft = Object.assign({}, sg.package); S.draftTouched = true;
        S.suggestion = sg.seq; saveDraft(); renderNegotiate();
        toast(t("Copied into your package below: propose it to adopt it as your own.")); } } },
      t("Start from this suggestion")) : null);
}

function renderLinkage() {
  var v = S.view, tb = v.table;
  var box = $("neg-linkage");
  var lines = tb.linkages.map(function (lk) {
    var is = issue(S.view, lk.issue);
    return el("li", { text: shortRole(S.view, lk.role) + ": no agreement on " + (is ? is.title : lk.issue) +
      " unless " + optionLabel(S.view, lk.requires) + "." });
  });
  var form = null;
  if (v.can.link.allowed) {
    var issues = v.issues || [];
    var reqOpts = [];
    issues.forEach(function (is) {
      is.options.forEach(function (o) {
        reqOpts.push(el("option", { value: is.id + "." + o.id, text: is.title + ": " + o.label }));
      });
    });
    form = el("form", { class: "stack", id: "link-form" },
      el("div", { class: "field" },
        el("label", { for: "link-issue", text: t("No agreement on…") }),
        el("select", { id: "link-issue" }, issues.map(function (is) { return el("option", { value: is.id, text: is.title }); }))),
      el("div", { class: "field" },
        el("label", { for: "link-requires", text: t("…unless the deal has") }),
        el("select", { id: "link-requires" }, reqOpts)),
      el("button", { type: "submit", class: "button", id: "link-submit" }, t("Declare linkage")));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var iss = $("link-issue").value, req = $("link-requires").value;
      if (req.split(".")[0] === iss) { toast(t("Link two different issues."), "bad"); return; }
      send("link", { issue: iss, requires: req }, $("link-submit"), t("Linkage declared."));
    });
  }
  if (!lines.length && !form) { fill(box); return; }
  var prev = {};
  ["link-issue", "link-requires"].forEach(function (id) { if ($(id)) prev[id] = $(id).value; });
  var was = box.querySelector("details");
  var wasOpen = was ? was.open : lines.length > 0;
  keepFocus(function () {
    fill(box, el("details", { class: "card", id: "linkage", open: wasOpen ? true : null },
      el("summary", { text: t("Linkage") + (lines.length ? " (" + lines.length + ")" : "") }),
      el("p", { class: "help", text: t("Tie your signature to a condition: the server will not let your side sign a package that breaks it.") }),
      lines.length ? el("ul", { class: "plain" }, lines) : null,
      form));
    Object.keys(prev).forEach(function (id) { if ($(id)) $(id).value = prev[id]; });
  });
}

function renderHistory() {
  var v = S.view, tb = v.table;
  var box = $("neg-history");
  var openKeys = {};
  box.querySelectorAll("details[open]").forEach(function (d) { openKeys[d.dataset.key] = true; });
  var items = tb.proposals.slice().reverse().map(function (p) {
    var mine = p.my_total;
    return el("li", {},
      el("details", { dataset: { key: "p" + p.seq }, open: openKeys["p" + p.seq] ? true : null },
        el("summary", {},
          el("span", { text: t("Proposal %(number)s", { number: p.number }) + " · " + shortRole(S.view, p.role) }),
          el("span", { class: "muted", text: " · " + fmtPoints(mine) + " pts for you" + (p.seq === tb.current ? t(" · on the table") : "") })),
        packageList(p.package)));
  });
  var openings = Object.keys(tb.openings || {}).map(function (side) {
    var pkg = tb.openings[side];
    return el("li", {}, el("details", { dataset: { key: "o" + side }, open: openKeys["o" + side] ? true : null },
      el("summary", { text: (side === "eu" ? t("Opening of the EU") : side === "government" ? t("Opening of the government") : side) +
        " · " + t("%(points)s pts for you", { points: fmtPoints((tb.my_opening_totals || {})[side]) }) }),
      packageList(pkg)));
  });
  if (!items.length && !openings.length) { fill(box); return; }
  fill(box, el("section", { class: "card", "aria-labelledby": "history-title" },
    el("h2", { id: "history-title", class: "section-title", text: t("History") }),
    openings.length ? el("ul", { class: "plain history" }, openings) : null,
    items.length ? el("ol", { class: "plain history" }, items) : null));
}
