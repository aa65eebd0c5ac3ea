/* The projector: join code and QR before the start, then the clock, table tiles and public events. */
import { Clock } from "./clock.js";
import { connect, connIndicator } from "./connection.js";
import { describeForProjector } from "./describe.js";
import { el, fill, toast, $ } from "./dom.js";
import { takeEvents } from "./events.js";
import { fmtTime, typeLabel } from "./format.js";
import { ngettext, t } from "./i18n.js";

var body = document.body;
var gameId = body.dataset.game;
var reportUrl = body.dataset.reportUrl || null;
var S = { view: null, events: [], seqs: {}, lastSeq: 0 };
var clock = new Clock($("clock"));
var setConn = connIndicator($("conn"));

// The QR code's SVG scales with the page only with a viewBox.
(function () {
  var svg = document.querySelector(".proj-qr svg");
  if (svg && !svg.getAttribute("viewBox") && svg.getAttribute("width")) {
    svg.setAttribute("viewBox", "0 0 " + parseFloat(svg.getAttribute("width")) + " " + parseFloat(svg.getAttribute("height")));
    svg.removeAttribute("width");
    svg.removeAttribute("height");
  }
})();

function joined(v) {
  var n = v.joined !== undefined ? v.joined : v.players;
  return typeof n === "number" ? n : 0;
}

function render() {
  var v = S.view;
  if (!v) return;
  var g = v.game;
  var lobby = g.status === "lobby";
  $("proj-lobby").hidden = !lobby;
  $("proj-play").hidden = lobby;
  var n = joined(v);
  $("proj-count").textContent = ngettext("%(n)s student joined", "%(n)s students joined", n);
  $("proj-count-2").textContent = ngettext("%(num)d joined", "%(num)d joined", n);
  clock.update(g);
  fill($("proj-names"), (v.names || []).map(function (name) { return el("li", { class: "proj-name", text: name }); }));
  if (lobby) return;
  var steps = g.steps || [];
  $("proj-step").hidden = steps.length < 2;
  $("proj-step").textContent = steps.length > 1 ? t("Scenario %(step)d of %(steps)d", { step: g.step + 1, steps: steps.length }) + " · " + g.title : "";
  var st = g.status === "paused" ? t("Paused") + " · " : g.status === "finished" ? t("Game over") + " · " : "";
  $("proj-phase").textContent = st + (g.phase ? g.phase.title : g.title);
  // an open table with nothing on it yet: what its players are doing in this phase
  var kind = g.phase && g.phase.kind;
  var idle = kind === "briefing" ? t("Reading") : kind === "opening" ? t("Writing openings") : t("Talking");
  fill($("tiles"), v.tables.map(function (tb) {
    var status = tb.outcome === "deal" ? t("Agreement") : tb.outcome === "deadlock" ? t("No agreement") :
      tb.signed && tb.signed.length ? t("Signing (%(count)s)", { count: tb.signed.length }) :
        tb.proposals ? ngettext("%(n)s proposal", "%(n)s proposals", tb.proposals) : idle;
    return el("div", { class: "tile " + tb.outcome },
      el("h2", { text: t("Table %(table)s", { table: tb.id }) }),
      el("p", { class: "tile-status", text: status }),
      el("p", { class: "small", text: ngettext("%(n)s player", "%(n)s players", tb.players) }),
      tb.type ? el("p", { class: "small", text: typeLabel(tb.type) }) : null);
  }));
  var res = v.results;
  var showEnd = g.results_visible || g.status === "finished";
  if (showEnd) {
    var typed = (res && res.tables ? res.tables : v.tables).some(function (x) { return x.type || x.table_type; });
    var rows = (res && res.tables) ? res.tables.map(function (x) {
      return el("tr", {},
        el("th", { scope: "row", text: t("Table %(table)s", { table: x.id !== undefined ? x.id : x.table }) }),
        el("td", { text: x.outcome === "deal" || x.valid ? t("Agreement") : t("No agreement") }),
        typed ? el("td", { text: typeLabel(x.type || x.table_type) }) : null);
    }) : v.tables.map(function (tb) {
      return el("tr", {},
        el("th", { scope: "row", text: t("Table %(table)s", { table: tb.id }) }),
        el("td", { text: tb.outcome === "deal" ? t("Agreement") : tb.outcome === "deadlock" ? t("No agreement") : t("Open") }),
        typed ? el("td", { text: typeLabel(tb.type) }) : null);
    });
    fill($("proj-results"),
      el("table", { class: "data" },
        el("caption", { text: t("The tables side by side") }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: t("Table") }), el("th", { scope: "col", text: t("Outcome") }), typed ? el("th", { scope: "col", text: t("Type") }) : null)),
        el("tbody", {}, rows)),
      reportUrl ? el("p", {}, el("a", { class: "button", href: reportUrl, text: t("Debrief slides") })) : null);
  } else {
    fill($("proj-results"));
  }
  var items = S.events.map(function (e) { return { e: e, text: describeForProjector(e) }; })
    .filter(function (x) { return x.text; }).slice(-6).reverse();
  fill($("proj-events"), items.map(function (x) {
    return el("li", {}, el("span", { class: "muted", text: fmtTime(x.e.at) + "  " }), x.text);
  }));
}

function take(events) { takeEvents(S, events, 200); }

var conn = connect(function () {
  return { kind: "projector", game: gameId, last_seq: S.lastSeq };
}, {
  status: setConn,
  sync: function (d) { if (d.view) S.view = d.view; take(d.events); render(); },
  view: function (d) {
    // a view built from an older state (sent by another worker, or a moment late) waits
    if (S.view && d.view.game.seq < S.view.game.seq) return;
    S.view = d.view; render();
  },
  events: function (d) { take(d.events); render(); },
  resync: function () { conn.sync(0); },  // the latest events, merged by seq: fills any gap
  refused: function (msg) { toast(t("%(why)s — log in as the instructor on this computer.", { why: msg || t("Not signed in") }), "bad"); },
});
