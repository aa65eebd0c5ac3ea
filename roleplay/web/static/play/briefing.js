/* The Briefing panel: the role card, the confidential briefing, the BATNA estimate, the
 * shared background and who sits at the table. */
import { el, fill, keepFocus, paragraphs, toast, $ } from "../dom.js";
import { fmtPoints } from "../format.js";
import { send } from "./app.js";
import { shortRole } from "./selectors.js";
import { S } from "./state.js";
import { t, tm } from "../i18n.js";

// The role card is the server's (roleplay/engine/cards.py): the page only lays it out.
function roleCard(role, mates) {
  var c = role.card || {};
  var acts = c.actions || [];
  return el("article", { class: "card role-card", id: "role-card", "aria-labelledby": "brief-role" },
    el("p", { class: "kicker", text: t("Your role card · confidential") }),
    el("h3", { id: "brief-role", text: t("You are: %(role)s", { role: c.name || role.name }) }),
    mates.length > 1 ? el("p", { class: "team small", text: t("Your team: %(names)s", { names: mates.join(", ") }) }) : null,
    c.objective ? el("p", { class: "objective" }, el("strong", { text: t("Goal:") + " " }), c.objective) : null,
    el("p", { class: "batna" },
      el("strong", { text: t("BATNA %(points)s points:", { points: fmtPoints(c.batna !== undefined ? c.batna : role.batna_start) }) + " " }),
      c.batna_meaning_text ? tm(c.batna_meaning_text) : c.batna_meaning || t("what you get if there is no deal.")),
    c.unknown ? el("p", { class: "unknown" }, el("strong", { text: t("You do not know:") + " " }), c.unknown) : null,
    el("ul", { class: "plain rights" }, (c.rights_text || c.rights || []).map(function (line) { return el("li", { text: tm(line) }); })),
    acts.length ? el("h4", { class: "card-sub", text: role.budget ? t("Your actions (budget %(budget)s)", { budget: fmtPoints(role.budget) }) : t("Your actions") }) : null,
    acts.length ? el("ul", { class: "plain card-actions" }, acts.map(function (a) {
      return el("li", null, el("strong", { text: a.name + ": " }), a.effect_text ? tm(a.effect_text) : a.effect);
    })) : null,
    (c.notes_text || c.notes || []).map(function (line) { return el("p", { class: "card-note small", text: tm(line) }); }),
    c.score ? el("p", { class: "score-line small", text: c.score_text ? tm(c.score_text) : c.score }) : null);
}

export function renderBriefing() {
  var v = S.view, role = v.role, tb = v.table;
  var panel = $("panel-briefing");
  var mates = (tb.seats[role.id] || []);
  var variables = (tb.variables || []).map(function (x) {
    var pct = x.max ? Math.max(0, Math.min(100, 100 * x.value / x.max)) : 0;
    return el("div", { class: "meter-row" },
      el("span", { class: "meter-label", text: x.label }),
      el("span", { class: "meter", role: "img", "aria-label": t("%(label)s: %(value)s of %(max)s", { label: x.label, value: fmtPoints(x.value), max: fmtPoints(x.max) }) },
        el("span", { class: "meter-fill", style: { width: pct.toFixed(0) + "%" } })),
      el("span", { class: "meter-value", text: fmtPoints(x.value) }));
  });
  keepFocus(function () {
    fill(panel,
      v.game.status === "lobby" ? el("div", { class: "seat-badge", id: "lobby-seat", role: "status" },
        el("span", { class: "seat-table", text: t("Table %(table)s", { table: tb.id }) }),
        el("span", { class: "seat-role", text: t("You are: %(role)s", { role: role.name }) }),
        el("span", { class: "small", text: t("The game has not started yet. Read your briefing while you wait.") })) : null,
      roleCard(role, mates),
      el("article", { class: "card confidential", "aria-labelledby": "brief-conf" },
        el("p", { class: "kicker", text: t("Confidential · for your eyes only") }),
        el("h3", { id: "brief-conf", text: t("Your briefing: %(role)s", { role: role.name }) }),
        paragraphs(role.briefing.confidential),
        role.batna !== role.batna_start ? el("p", { class: "batna" },
          el("strong", { text: t("Your BATNA is now %(points)s points", { points: fmtPoints(role.batna) }) }),
          " " + t("(it started at %(points)s).", { points: fmtPoints(role.batna_start) })): null),
      guessPanel(),
      el("details", { class: "card background", id: "brief-bg", open: !!S.backgroundOpen,
                      on: { toggle: function (e) { S.backgroundOpen = e.currentTarget.open; } } },
        el("summary", { text: t("Shared background: %(title)s (everyone reads the same)", { title: v.scenario.title }) }),
        v.scenario.summary ? el("p", { class: "lead", text: v.scenario.summary }) : null,
        paragraphs(v.scenario.background)),
      el("section", { class: "card", "aria-labelledby": "brief-table" },
        el("h3", { id: "brief-table", text: t("At table %(table)s", { table: tb.id }) }),
        el("ul", { class: "plain roles" }, v.roles.map(function (r) {
          var names = tb.seats[r.id] || [];
          return el("li", { class: r.id === role.id ? "mine" : "" },
            el("strong", { text: r.name }),
            el("span", { class: "muted", text: " — " + (names.length ? names.join(", ") : t("empty seat")) }),
            r.public ? el("p", { class: "small", text: r.public }) : null);
        }))),
      variables.length ? el("section", { class: "card", "aria-labelledby": "brief-vars" },
        el("h3", { id: "brief-vars", text: t("At your table now") }), variables) : null,
      (tb.carried || []).length ? el("section", { class: "card", id: "brief-carried", "aria-labelledby": "brief-carried-h" },
        el("h3", { id: "brief-carried-h", text: t("Carried from the last scenario") }),
        el("ul", { class: "plain" }, tb.carried.map(function (x) {
          return el("li", { style: { marginBottom: "0.5em" }, text: x.label + ": " + fmtPoints(x.value) +
            (x.effects.length ? " — " + x.effects.join(", ") : " — " + t("no effect here")) });
        }))) : null);
  });
}

// -- BATNA estimate (signatories, in the briefing; revealed at the debrief) ---------------
function guessPanel() {
  var g = S.view.batna_guess;
  if (!g) return null;
  var other = shortRole(S.view, g.about);
  var saved = g.guess === null || g.guess === undefined ? null : g.guess;
  var head = el("h3", { id: "guess-title", text: t("Your estimate: the %(role)s's BATNA", { role: other }) });
  var intro = el("p", { class: "small", text: t("How many points do you think the %(role)s gets if there is no agreement? Only your side and the instructor see your estimate until the debrief, where it is shown beside the real figure.", { role: other }) });
  var status = el("p", { id: "guess-saved", role: "status",
    text: saved === null ? t("No estimate recorded yet.") : t("Your estimate: %(points)s points.", { points: fmtPoints(saved) }) });
  if (!g.open) {
    var when = S.view.game.status === "lobby" ? " " + t("You can record one when the briefing starts.") :
      saved === null ? "" : " " + t("It will be revealed at the debrief.");
    return el("section", { class: "card guess", id: "guess-panel", "aria-labelledby": "guess-title" },
      head, saved === null && S.view.game.status !== "lobby" ? el("p", { class: "small", text: t("Estimates were recorded during the briefing.") }) : intro,
      el("p", { id: "guess-saved", text: (saved === null ? t("No estimate recorded.") : status.textContent) + when }));
  }
  var input = el("input", { id: "guess-input", type: "text", inputmode: "decimal", autocomplete: "off",
    "aria-describedby": "guess-saved", style: { width: "7em", flex: "0 0 auto" },
    value: S.guessDraft !== undefined ? S.guessDraft : (saved === null ? "" : String(saved)),
    on: { input: function (e) { S.guessDraft = e.target.value; } } });
  var button = el("button", { id: "guess-submit", type: "submit", class: "button primary",
    text: saved === null ? t("Record estimate") : t("Change estimate") });
  var form = el("form", { class: "guess-form", on: { submit: function (e) {
    e.preventDefault();
    var raw = String(input.value).trim();
    var n = raw === "" ? NaN : Number(raw.replace(",", "."));
    if (!isFinite(n)) { toast(t("Type a number of points from 0 to %(max)s.", { max: fmtPoints(g.max) }), "bad"); return; }
    send("guess_batna", { guess: n }, button, t("Estimate recorded.")).then(function (ok) {
      if (ok) S.guessDraft = undefined;
    });
  } } },
    el("label", { for: "guess-input", text: t("Points (0 to %(max)s)", { max: fmtPoints(g.max) }) }),
    el("div", { class: "row" }, input, button));
  return el("section", { class: "card guess", id: "guess-panel", "aria-labelledby": "guess-title" },
    head, intro, form, status);
}

