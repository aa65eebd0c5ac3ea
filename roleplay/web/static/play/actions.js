/* The Actions panel: the role's actions, why one is unavailable, and those taken. */
import { el, fill, keepFocus, $ } from "../dom.js";
import { fmtPoints, fmtTime } from "../format.js";
import { send } from "./app.js";
import { allowed, reasonOf } from "./selectors.js";
import { S } from "./state.js";
import { t } from "../i18n.js";

export function renderActions() {
  var v = S.view, role = v.role;
  var panel = $("panel-actions");
  var canAct = allowed(S.view, "act");
  var prevTargets = {};
  panel.querySelectorAll("select[id^=target-]").forEach(function (s) { prevTargets[s.id] = s.value; });
  var mine = S.events.filter(function (e) {
    return e.type === "action_taken" && e.data.role === role.id && e.data.table === v.table.id;
  });
  keepFocus(function () {
    fill(panel,
      el("h2", { class: "section-title", text: t("Your actions") }),
      el("p", { class: "summary-line" },
        el("span", { class: "chip", text: t("Left this phase: %(count)s", { count: role.actions_left }) }),
        role.budget ? el("span", { class: "chip", text: t("Influence budget: %(left)s of %(budget)s", { left: fmtPoints(role.budget_left), budget: fmtPoints(role.budget) }) }) : null,
        !canAct ? el("span", { class: "chip muted", text: v.game.status === "running" ? t("Not in this phase") : "Not now" }) : null),
      (v.actions || []).length ? null : el("p", { class: "muted", text: t("Your role has no actions in this scenario.") }),
      (v.actions || []).map(function (a) {
        // the server's verdict on this action (the phase's own is the chip above)
        var ok = !!a.allowed;
        var why = canAct && !ok ? reasonOf(a.reason) : null;
        var facts = [];
        if (a.cost) facts.push("Costs you " + fmtPoints(a.cost) + (a.cost === 1 ? " point" : t(" points")));
        if (a.budget_cost) facts.push("Budget " + fmtPoints(a.budget_cost));
        facts.push(a.uses_left === null || a.uses_left === undefined ? t("No limit") : "Uses left: " + a.uses_left);
        var target = a.targets.length ? el("div", { class: "field" },
          el("label", { for: "target-" + a.id, text: t("Target") }),
          el("select", { id: "target-" + a.id }, a.targets.map(function (x) { return el("option", { value: x, text: (a.target_labels && a.target_labels[x]) || x.replace(/_/g, " ") }); }))) : null;
        return el("article", { class: "card action" + (ok ? "" : " unavailable"), id: "action-" + a.id, "aria-labelledby": "action-title-" + a.id },
          el("h3", { id: "action-title-" + a.id, text: a.name }),
          el("p", { text: a.description }),
          el("p", { class: "facts" }, facts.map(function (f) { return el("span", { class: "chip", text: f }); })),
          target,
          why ? el("p", { class: "muted small", text: why }) : null,
          el("button", { type: "button", class: "button primary", id: "act-" + a.id, disabled: !ok,
            on: { click: function (e) {
              var args = { action: a.id };
              if (a.targets.length) args.target = $("target-" + a.id).value;
              send("act", args, e.target, a.name + ": done.");
            } } }, "Take this action"));
      }),
      mine.length ? el("section", { class: "card" },
        el("h3", { text: t("Taken at your table") }),
        el("ul", { class: "plain" }, mine.map(function (e) {
          return el("li", { text: e.data.title + (e.data.target ? " → " + String(e.data.target).replace(/_/g, " ") : "") + " (" + e.data.name + ", " + fmtTime(e.at) + ")" });
        }))) : null);
    Object.keys(prevTargets).forEach(function (id) { if ($(id)) $(id).value = prevTargets[id]; });
  });
}
