/* A campaign's next scenario: the card over the tabs that says what carried over. */
import { el, fill, keepFocus, $ } from "../dom.js";
import { fmtPoints } from "../format.js";
import { app } from "./app.js";
import { previousLine } from "./selectors.js";
import { S, STEP_KEY, store } from "./state.js";
import { t } from "../i18n.js";

export function renderStep() {
  var v = S.view, c = v.campaign;
  var card = $("step-card");
  var show = !!(c && c.step > 0 && store.get(STEP_KEY) !== String(c.step));
  card.hidden = !show;
  if (!show) { fill(card); return; }
  var role = v.role;
  var carried = (v.table && v.table.carried) || [];
  keepFocus(function () {
    fill(card,
      el("p", { class: "kicker", text: t("Scenario %(step)d of %(steps)d", { step: c.step + 1, steps: c.steps }) }),
      el("h2", { id: "step-title", text: t("Scenario %(step)d of %(steps)d: read your new briefing", { step: c.step + 1, steps: c.steps }) }),
      el("p", { class: "lead", text: v.scenario.title }),
      el("button", { type: "button", class: "button primary big", id: "step-open-briefing",
        on: { click: function () {
          store.set(STEP_KEY, String(c.step));
          renderStep();
          app.selectTab($("tab-briefing"));
          S.tab = "briefing";
          window.scrollTo(0, 0);
        } } }, t("Open the new briefing")),
      el("h3", { text: t("What carried over for you") }),
      el("ul", { class: "plain carried", id: "step-carried" },
        carried.map(function (x) {
          return el("li", { text: x.label + ": " + fmtPoints(x.value) +
            (x.effects.length ? " — " + x.effects.join(", ") : t(" — no effect here")) });
        }),
        el("li", { text: role.batna !== role.batna_start ?
          t("Your BATNA in this scenario: %(points)s points (it starts at %(start)s).", { points: fmtPoints(role.batna), start: fmtPoints(role.batna_start) }) :
          t("Your BATNA in this scenario: %(points)s points.", { points: fmtPoints(role.batna) }) })),
      c.previous.length ? el("h3", { text: t("Your earlier results") }) : null,
      c.previous.length ? el("ul", { class: "plain", id: "step-previous" },
        c.previous.map(function (x) { return el("li", { text: previousLine(x) }); })) : null);
  });
}

