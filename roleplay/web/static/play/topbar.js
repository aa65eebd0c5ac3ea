/* The top bar: role, table, phase and the clock. */
import { Clock } from "../clock.js";
import { $ } from "../dom.js";
import { shortRole } from "./selectors.js";
import { S } from "./state.js";
import { N_, t } from "../i18n.js";

export var clock = new Clock($("clock"));

var STATUS = { lobby: N_("Waiting to start"), paused: N_("Paused"), finished: N_("Game over"), running: "" };

export function renderTop() {
  var v = S.view;
  var g = v.game;
  $("top-role").textContent = v.role ? shortRole(v, v.role.id) : (S.me ? S.me.name : "");
  $("top-role").title = v.role ? v.role.name : "";
  $("top-table").textContent = v.table ? t("Table %(table)s", { table: v.table.id }) : "";
  var phase = g.phase ? g.phase.title : "";
  var st = STATUS[g.status] ? t(STATUS[g.status]) : "";
  var steps = g.steps && g.steps.length > 1 ? t("Scenario %(step)s/%(steps)s", { step: g.step + 1, steps: g.steps.length }) + " · " : "";
  $("top-phase").textContent = steps + (g.status === "running" ? phase : (st + (phase && g.status === "paused" ? " · " + phase : "")));
  document.body.dataset.status = g.status;
  clock.update(g);
}
