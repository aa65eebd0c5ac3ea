/* The top bar: role, table, phase and the clock. */
import { Clock } from "../clock.js";
import { $ } from "../dom.js";
import { shortRole } from "./selectors.js";
import { S } from "./state.js";

export var clock = new Clock($("clock"));

var STATUS = { lobby: "Waiting to start", paused: "Paused", finished: "Game over", running: "" };

export function renderTop() {
  var v = S.view;
  var g = v.game;
  $("top-role").textContent = v.role ? shortRole(v, v.role.id) : (S.me ? S.me.name : "");
  $("top-role").title = v.role ? v.role.name : "";
  $("top-table").textContent = v.table ? "Table " + v.table.id : "";
  var phase = g.phase ? g.phase.title : "";
  var st = STATUS[g.status] || "";
  var steps = g.steps && g.steps.length > 1 ? "Scenario " + (g.step + 1) + "/" + g.steps.length + " · " : "";
  $("top-phase").textContent = steps + (g.status === "running" ? phase : (st + (phase && g.status === "paused" ? " · " + phase : "")));
  document.body.dataset.status = g.status;
  clock.update(g);
}
