/* The projector: join code and QR before the start, then the clock, table tiles and public events. */
import { Clock } from "./clock.js";
import { connect, connIndicator } from "./connection.js";
import { describeForProjector } from "./describe.js";
import { el, fill, toast, $ } from "./dom.js";
import { takeEvents } from "./events.js";
import { fmtTime, TYPE_LABELS } from "./format.js";

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
  $("proj-count").textContent = n + (n === 1 ? " student joined" : " students joined");
  $("proj-count-2").textContent = n + " joined";
  clock.update(g);
  fill($("proj-names"), (v.names || []).map(function (name) { return el("li", { class: "proj-name", text: name }); }));
  if (lobby) return;
  var steps = g.steps || [];
  $("proj-step").hidden = steps.length < 2;
  $("proj-step").textContent = steps.length > 1 ? "Scenario " + (g.step + 1) + " of " + steps.length + " · " + g.title : "";
  var st = g.status === "paused" ? "Paused · " : g.status === "finished" ? "Game over · " : "";
  $("proj-phase").textContent = st + (g.phase ? g.phase.title : g.title);
  // an open table with nothing on it yet: what its players are doing in this phase
  var kind = g.phase && g.phase.kind;
  var idle = kind === "briefing" ? "Reading" : kind === "opening" ? "Writing openings" : "Talking";
  fill($("tiles"), v.tables.map(function (t) {
    var status = t.outcome === "deal" ? "Agreement" : t.outcome === "deadlock" ? "No agreement" :
      t.signed && t.signed.length ? "Signing (" + t.signed.length + ")" : t.proposals ? t.proposals + (t.proposals === 1 ? " proposal" : " proposals") : idle;
    return el("div", { class: "tile " + t.outcome },
      el("h2", { text: "Table " + t.id }),
      el("p", { class: "tile-status", text: status }),
      el("p", { class: "small", text: t.players + (t.players === 1 ? " player" : " players") }),
      t.type ? el("p", { class: "small", text: TYPE_LABELS[t.type] || t.type }) : null);
  }));
  var res = v.results;
  var showEnd = g.results_visible || g.status === "finished";
  if (showEnd) {
    var typed = (res && res.tables ? res.tables : v.tables).some(function (x) { return x.type || x.table_type; });
    var rows = (res && res.tables) ? res.tables.map(function (x) {
      return el("tr", {},
        el("th", { scope: "row", text: "Table " + (x.id !== undefined ? x.id : x.table) }),
        el("td", { text: x.outcome === "deal" || x.valid ? "Agreement" : "No agreement" }),
        typed ? el("td", { text: TYPE_LABELS[x.type || x.table_type] || x.type || x.table_type || "" }) : null);
    }) : v.tables.map(function (t) {
      return el("tr", {},
        el("th", { scope: "row", text: "Table " + t.id }),
        el("td", { text: t.outcome === "deal" ? "Agreement" : t.outcome === "deadlock" ? "No agreement" : "Open" }),
        typed ? el("td", { text: t.type ? (TYPE_LABELS[t.type] || t.type) : "" }) : null);
    });
    fill($("proj-results"),
      el("table", { class: "data" },
        el("caption", { text: "The tables side by side" }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Table" }), el("th", { scope: "col", text: "Outcome" }), typed ? el("th", { scope: "col", text: "Type" }) : null)),
        el("tbody", {}, rows)),
      reportUrl ? el("p", {}, el("a", { class: "button", href: reportUrl, text: "Debrief slides" })) : null);
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
  refused: function (msg) { toast((msg || "Not signed in") + " — log in as the instructor on this computer.", "bad"); },
});
