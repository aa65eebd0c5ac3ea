/* The instructor's dashboard: phase controls, lobby, one card per table, a live log per table. */
import { Clock } from "./clock.js";
import { connect, connIndicator, sender } from "./connection.js";
import { describeForLog, EVENT_LABELS, staffReason, staffRoleName } from "./describe.js";
import { el, fill, toast, $ } from "./dom.js";
import { takeEvents } from "./events.js";
import { fmtPoints, fmtTime, typeLabel } from "./format.js";
import { optionName } from "./scenario.js";
import { renderSeatRepair } from "./seats.js";
import { ngettext, t, tm } from "./i18n.js";

var body = document.body;
var gameId = body.dataset.game;
var S = { view: null, partSeq: {}, recent: [], base: -1, events: [], seqs: {}, lastSeq: 0, openTable: null, armed: null, tableKey: null };
var clock = new Clock($("clock"));
var setConn = connIndicator($("conn"));

function roleName(id) { return staffRoleName(S.view, id); }
function optionLabel(issueId, optionId) { return optionName(S.view, issueId, optionId); }
function reasonText(tableId) { return staffReason(S.view, tableId); }

var send = sender(function () { return conn; }, function () { render(); });

// -- header and controls ------------------------------------------------------------------
function renderControls() {
  var g = S.view.game;
  var ph = g.phase;
  var st = g.status;
  var next = null;
  if (st !== "lobby" && st !== "finished") {
    var i = g.phases.findIndex(function (p) { return ph && p.id === ph.id; });
    next = i >= 0 && i + 1 < g.phases.length ? g.phases[i + 1].title :
      (g.steps && g.step + 1 < g.steps.length ? t("next scenario: %(title)s", { title: g.steps[g.step + 1] }) : t("end of the game"));
  }
  var label = st === "lobby" ? t("Lobby (not started)") : st === "finished" ? t("Game over") :
    (st === "paused" ? t("Paused") + " · " : "") + (ph ? ph.title : "");
  $("dash-phase").textContent = (g.steps && g.steps.length > 1 ? t("Scenario %(n)s/%(of)s", { n: g.step + 1, of: g.steps.length }) + " · " : "") + label;
  $("phase-line").textContent = st === "lobby" ? t("Students are joining. Start when everyone is in: seats are assigned automatically if you have not done it.") :
    st === "finished" ? t("The game is over. Download the exports for the debrief.") :
    t("Now: %(phase)s", { phase: ph ? ph.title + " (" + ph.kind + ")" : "" }) + (next ? ". " + t("Next: %(phase)s.", { phase: next }) : "");
  $("btn-start").hidden = st !== "lobby";
  $("btn-pause").hidden = st !== "running";
  $("btn-resume").hidden = st !== "paused";
  ["btn-extend-1", "btn-extend-5"].forEach(function (id) { $(id).disabled = st !== "running" && st !== "paused"; });
  $("btn-advance").disabled = st === "lobby" || st === "finished";
  $("btn-advance").textContent = next ? t("Next: %(phase)s", { phase: next.length > 28 ? next.slice(0, 27) + "…" : next }) : t("Next phase");
  $("btn-release").disabled = g.results_visible || st === "lobby";
  $("btn-release").textContent = g.results_visible ? t("Results are visible") : t("Release results");
  $("btn-end").disabled = st === "finished";
  $("btn-assign").disabled = st !== "lobby";
  $("btn-lock").textContent = g.lobby_locked ? t("Unlock the lobby") : t("Lock the lobby");
  $("btn-lock").setAttribute("aria-pressed", g.lobby_locked ? "true" : "false");
  // the server says which controls make sense now (view.controls): after the end, those
  // that do not are gone
  var controls = S.view.controls || {};
  [].slice.call(document.querySelectorAll("[data-cmd]")).concat([$("btn-lock"), $("inject-submit")]).forEach(function (b) {
    var cmd = b.id === "btn-lock" ? "lock" : b.id === "inject-submit" ? "inject" : b.dataset.cmd;
    var c = controls[cmd];
    if (!c) return;
    // a control switched off here comes back on when the server says it makes sense again
    if (!c.available) { b.disabled = true; b.title = c.why || ""; b.dataset.ctlOff = "1"; }
    else {
      if (b.dataset.ctlOff) { b.disabled = false; delete b.dataset.ctlOff; }
      if (b.title) b.title = "";
    }
    if (st === "finished" && !c.available) b.hidden = true;
  });
  clock.update(g);

  // selects that name tables
  var tables = S.view.tables.map(function (t) { return t.id; });
  var tkey = tables.join(",");
  if (S.tableKey !== tkey) {
    S.tableKey = tkey;
    document.querySelectorAll(".table-select").forEach(function (sel) {
      var prev = sel.value;
      fill(sel, el("option", { value: "", text: t("Every table") }),
        tables.map(function (id) { return el("option", { value: String(id), text: t("Table %(table)s", { table: id }) }); }));
      sel.value = prev;
    });
  }
  // the current step's events: rebuilt when a campaign moves on (ids may repeat across steps)
  var ev = $("inject-event");
  var evKey = S.view.game.step + ":" + S.view.scenario.id;
  if (ev.dataset.step !== evKey) {
    ev.dataset.step = evKey;
    fill(ev, (S.view.events || []).map(function (e) {
      return el("option", { value: e.id, text: e.title + " — " + (e.effects_message ? tm(e.effects_message) : e.effects_text) +
        (e.trigger !== "instructor" ? " (" + e.when + ")" : "") });
    }));
  }
}

/** "offline", "idle" or "" from the optional presence fields (docs/protocol.md). */
function presence(p) {
  if (!p) return "";
  if (p.online === false) return "offline";
  var g = S.view.game;
  if (typeof p.last_seen === "number" && g.status === "running" && g.server_time - p.last_seen > 300) return "idle";
  return "";
}
function playerById(id) {
  return S.view.players.filter(function (p) { return p.id === id; })[0];
}

// -- lobby ----------------------------------------------------------------------------------
function seatOptions(p) {
  var v = S.view;
  var maxT = v.tables.reduce(function (m, tb) { return Math.max(m, tb.id); }, 0);
  var opts = [el("option", { value: "", text: p.table ? t("Table %(table)s", { table: p.table }) + " · " + roleName(p.role) : t("No seat"), selected: true })];
  for (var tb = 1; tb <= maxT + 1; tb++) {
    v.roles.forEach(function (r) {
      if (tb === p.table && r.id === p.role) return;
      opts.push(el("option", { value: tb + ":" + r.id, text: "→ " + t("Table %(table)s", { table: tb }) + (tb > maxT ? " " + t("(new)") : "") + " · " + roleName(r.id) }));
    });
  }
  return opts;
}

function renderPlayers() {
  var v = S.view;
  var active = v.players.filter(function (p) { return !p.kicked; });
  var unseated = active.filter(function (p) { return !p.table; }).length;
  $("player-count").textContent = "(" + ngettext("%(n)s joined", "%(n)s joined", active.length) +
    (unseated ? ", " + ngettext("%(n)s without a seat", "%(n)s without a seat", unseated) : "") + ")";
  var box = $("players");
  var focusId = document.activeElement && document.activeElement.id;
  fill(box, active.length ? active.map(function (p) {
    var sel = el("select", { id: "move-" + p.id, "aria-label": t("Seat for %(name)s", { name: p.name }) });
    fill(sel, seatOptions(p));
    sel.addEventListener("change", function () {
      if (!sel.value) return;
      var parts = sel.value.split(":");
      send("move", { player: p.id, table: parseInt(parts[0], 10), role: parts[1] }, sel, t("%(name)s moved.", { name: p.name }));
    });
    var armed = S.armed === p.id;
    var kick = el("button", { type: "button", class: "kick" + (armed ? " armed" : ""), id: "kick-" + p.id,
      "aria-label": armed ? t("Confirm: remove %(name)s", { name: p.name }) : t("Remove %(name)s", { name: p.name }),
      on: { click: function () {
        if (S.armed === p.id) { S.armed = null; send("kick", { player: p.id }, null, t("%(name)s removed.", { name: p.name })); }
        else {
          S.armed = p.id; renderPlayers(); $("kick-" + p.id).focus();
          setTimeout(function () { if (S.armed === p.id) { S.armed = null; renderPlayers(); } }, 4000);
        }
      } } }, armed ? t("Remove?") : "×");
    var pres = presence(p);
    return el("div", { class: "pchip" + (p.table ? "" : " unseated") + (pres ? " " + pres : "") },
      el("span", { class: "pchip-name", text: p.name }),
      pres ? el("span", { class: "presence", text: pres }) : null,
      sel, kick);
  }) : el("p", { class: "muted", text: t("Nobody has joined yet. Show the join code or the QR code.") }));
  if (focusId && $(focusId)) $(focusId).focus();
}

// -- tables -----------------------------------------------------------------------------------
function tableScore(tid) {
  var res = S.view.results;
  if (!res || !res.tables) return null;
  for (var i = 0; i < res.tables.length; i++) if (res.tables[i].table === tid) return res.tables[i];
  return null;
}

/** "3 min" from seconds. */
function ago(seconds) {
  var m = Math.floor(Math.max(0, seconds) / 60);
  return m < 1 ? t("just now") : t("%(n)s min", { n: m });
}
/** Offline or idle people at a table, with how long: "Tom offline 3 min". */
function absentees(tb) {
  var g = S.view.game, out = [];
  Object.keys(tb.seats).forEach(function (r) {
    (tb.seats[r] || []).forEach(function (x) {
      var p = playerById(x.id), pres = presence(p);
      if (!pres) return;
      var gone = p && typeof p.last_seen === "number" ? g.server_time - p.last_seen : 0;
      var since = gone >= 60 ? " " + ago(gone) : "";
      out.push(x.name + " " + (pres === "offline" ? t("offline") : t("idle")) + since);
    });
  });
  return out;
}
function lastActivity(tid) {
  for (var i = S.events.length - 1; i >= 0; i--) {
    var e = S.events[i];
    if ((e.data && e.data.table === tid) || e.table === tid) return e;
  }
  return null;
}
/** The signatory sides, in the view's order ("eu", "government"). */
function sides() {
  var out = [];
  S.view.roles.forEach(function (r) { if (r.signatory && out.indexOf(r.side) < 0) out.push(r.side); });
  return out;
}
/** A tile's label for a role: its id in words ("EU", "Civil society"); the full name is its title. */
function roleLabel(id) {
  var words = String(id).replace(/_/g, " ");
  return words.length <= 3 ? words.toUpperCase() : words.charAt(0).toUpperCase() + words.slice(1);
}
/** The signatory role of a side (its id), or the side itself. */
function sideRole(side) {
  var r = S.view.roles.filter(function (x) { return x.side === side && x.signatory; })[0];
  return r ? r.id : side;
}
function sideName(side) { return roleName(sideRole(side)); }

/** One compact tile per table: 30 students' tables fit above the fold at 1280x800. */
function renderTables() {
  var v = S.view;
  var box = $("tables");
  if (!v.tables.length) {
    fill(box, el("p", { class: "muted", text: t("No tables yet: assign seats or start the game.") }));
    $("tables-summary").textContent = "";
    return;
  }
  var g = v.game, kind = g.phase ? g.phase.kind : null;
  var settled = v.tables.filter(function (tb) { return tb.outcome !== "open"; }).length;
  $("tables-summary").textContent = "(" + ngettext("%(n)s table", "%(n)s tables", v.tables.length) +
    (settled ? ", " + ngettext("%(n)s settled", "%(n)s settled", settled) : "") + ")";
  fill(box, v.tables.map(function (tb) {
    var cur = null;
    tb.proposals.forEach(function (p) { if (p.seq === tb.current) cur = p; });
    var seats = v.roles.map(function (r) {
      var people = tb.seats[r.id] || [];
      return el("span", { class: people.length ? "seat" : "seat empty-seat", title: roleName(r.id) },
        el("span", { class: "seat-role", text: roleLabel(r.id) }),
        el("span", { class: "seat-people" }, people.length ? people.map(function (x, i) {
          var pres = presence(playerById(x.id));
          return el("span", { class: pres ? "person " + pres : "person" }, (i ? ", " : "") + x.name);
        }) : t("empty")));
    });
    var signatories = v.roles.filter(function (r) { return r.signatory; });
    var signed = signatories.filter(function (r) { return cur && tb.signatures[r.id] === cur.seq; });
    var pending = cur && tb.outcome === "open" ? signatories.filter(function (r) { return signed.indexOf(r) < 0; }) : [];
    var openings = sides().map(function (side) {
      var inn = !!(tb.openings && tb.openings[side]);
      return el("span", { class: inn ? "good" : (kind === "opening" ? "bad" : "muted"),
        title: sideName(side) + ": " + (inn ? t("opening in") : t("opening missing")),
        text: roleLabel(sideRole(side)) + (inn ? " ✓" : " ✗") });
    });
    var pts = cur && tb.current_points ? el("div", { class: "pts" }, v.roles.map(function (r) {
      var val = tb.current_points[r.id];
      return el("span", { class: val >= tb.batna[r.id] ? "good" : "bad",
        text: roleName(r.id) + " " + fmtPoints(val) + "/" + fmtPoints(tb.batna[r.id]) });
    })) : null;
    var last = lastActivity(tb.id);
    var away = absentees(tb);
    var sc = tableScore(tb.id);
    var statusText = tb.outcome === "deal" ? t("Deal") : tb.outcome === "deadlock" ? t("No deal") :
      pending.length && kind === "decision" ? t("Signing %(n)s/%(of)s", { n: signed.length, of: signatories.length }) :
      kind === "opening" ? t("Openings") : kind === "briefing" ? t("Reading") : cur ? t("Negotiating") : t("Talking");
    // the whole tile opens the log for a mouse; the button is the keyboard's way in
    return el("article", { class: "card tcard" + (away.length ? " has-absent" : ""), id: "table-card-" + tb.id,
      "aria-labelledby": "table-title-" + tb.id,
      on: { click: function (e) { if (!e.target.closest("button")) openTable(tb.id); } } },
      el("h3", {}, el("span", { id: "table-title-" + tb.id, text: t("Table %(table)s", { table: tb.id }) }),
        el("span", { class: "status-pill " + tb.outcome, text: statusText }),
        el("button", { type: "button", class: "button small", id: "table-open-" + tb.id, "aria-haspopup": "dialog",
          "aria-label": t("Live log of table %(table)s", { table: tb.id }), on: { click: function () { openTable(tb.id); } } }, t("Log"))),
      el("p", { class: "seats" }, seats),
      el("p", { class: "line openings" }, el("span", { class: "lbl", text: t("Openings") + " " }), openings),
      el("p", { class: "line" }, el("span", { class: "lbl", text: t("Proposals") + " " }),
        String(tb.proposals.length) + (cur ? " · " + t("on the table: %(n)s by %(role)s", { n: cur.number, role: roleName(cur.role) }) : "")),
      pts,
      signed.length || pending.length ? el("p", { class: "line" }, el("span", { class: "lbl", text: t("Signatures") + " " }),
        signed.length ? el("span", { class: "good", text: t("%(roles)s signed", { roles: signed.map(function (r) { return roleName(r.id); }).join(", ") }) }) : null,
        pending.length ? el("span", { class: kind === "decision" ? "bad" : "muted",
          text: (signed.length ? " · " : "") + t("waiting: %(roles)s", { roles: pending.map(function (r) { return roleName(r.id); }).join(", ") }) }) : null) : null,
      tb.deadlock_reason ? el("p", { class: "line bad", text: t("Why: %(reason)s", { reason: reasonText(tb.id) }) }) : null,
      sc ? el("p", { class: "line", text: t("Type: %(type)s", { type: typeLabel(sc.table_type || sc.type) }) +
        (sc.roles ? " · " + t("scores") + " " + sc.roles.map(function (r) {
          return roleName(r.role) + " " + (r.score === null || r.score === undefined ? "–" : fmtPoints(r.score));
        }).join(", ") : "") }) : null,
      el("p", { class: "line muted" }, t("Last activity: %(when)s", { when: last ? fmtTime(last.at) + " (" + ago(g.server_time - last.at) + ")" : t("none yet") })),
      away.length ? el("p", { class: "line bad absent", title: away.join(" · "),
        text: ngettext("%(n)s away: %(names)s", "%(n)s away: %(names)s", away.length, { names: away.join(" · ") }) }) : null);
  }));
}

function openTable(tid) {
  S.openTable = tid;
  renderDialog();
  var d = $("table-dialog");
  if (!d.open) d.showModal();
}

function renderDialog() {
  if (S.openTable === null) return;
  var tid = S.openTable;
  var tb = S.view.tables.filter(function (x) { return x.id === tid; })[0];
  $("dialog-title").textContent = t("Table %(table)s", { table: tid }) + (tb ? " · " + tb.outcome : "");
  var evs = S.events.filter(function (e) {
    var d = e.data || {};
    var gameWide = (e.table === null || e.table === undefined) && (d.table === null || d.table === undefined) &&
      e.type !== "chat" && e.type !== "player_joined";
    return d.table === tid || e.table === tid || gameWide;  // the phases, events and messages to all
  });
  var list = el("ol", { class: "plain log", "aria-label": "Live log of table " + tid }, evs.slice().reverse().map(function (e) {
    return el("li", {},
      el("span", { class: "muted", text: fmtTime(e.at) }),
      el("span", { class: "log-type", text: (EVENT_LABELS[e.type] ? t(EVENT_LABELS[e.type]) : e.type) + (e.channel ? " · " + e.channel : "") }),
      el("span", { class: "log-text", text: describeForLog(S.view, e) }));
  }));
  var proposals = tb ? el("details", {}, el("summary", { text: t("Proposals (%(n)s)", { n: tb.proposals.length }) }),
    el("ol", { class: "plain" }, tb.proposals.map(function (p) {
      return el("li", { class: "small", text: p.number + ". " + roleName(p.role) + ": " +
        Object.keys(p.package).map(function (k) { return optionLabel(k, p.package[k]); }).join(" · ") +
        " — " + Object.keys(p.points).map(function (r) { return roleName(r) + " " + fmtPoints(p.points[r]); }).join(", ") });
    }))) : null;
  var vars = tb ? el("p", { class: "small" }, (tb.variables || []).map(function (x) { return x.label + ": " + fmtPoints(x.value); }).join(" · "),
    tb.closed_channels.length ? " · " + t("Closed: %(channels)s", { channels: tb.closed_channels.join(", ") }) : "") : null;
  fill($("dialog-body"), vars, proposals, evs.length ? list : el("p", { class: "muted", text: t("Nothing yet.") }));
}

$("dialog-close").addEventListener("click", function () { $("table-dialog").close(); });
$("table-dialog").addEventListener("close", function () {
  var tid = S.openTable;
  S.openTable = null;
  var back = $("table-open-" + tid);
  if (back) back.focus();
});

// -- forms and buttons ---------------------------------------------------------------------------
document.querySelectorAll("[data-cmd]").forEach(function (b) {
  b.addEventListener("click", function () {
    var cmd = b.dataset.cmd;
    var args = {};
    if (cmd === "extend") args.seconds = parseInt(b.dataset.seconds, 10);
    if (cmd === "end" && !b.dataset.armed) {
      b.dataset.armed = "1";
      b.textContent = t("Really end the game?");
      setTimeout(function () { delete b.dataset.armed; b.textContent = t("End game"); }, 4000);
      return;
    }
    delete b.dataset.armed;
    if (cmd === "end") b.textContent = t("End game");
    send(cmd, args, b);
  });
});
$("btn-lock").addEventListener("click", function (e) {
  send("lock", { locked: !S.view.game.lobby_locked }, e.target);
});
$("inject-form").addEventListener("submit", function (e) {
  e.preventDefault();
  // the step the list was made for: a list left from the previous scenario is refused
  var args = { event: $("inject-event").value, step: S.view.game.step, scenario: S.view.scenario.id };
  if ($("inject-table").value) args.table = parseInt($("inject-table").value, 10);
  send("inject", args, $("inject-submit"), t("Event injected."));
});
$("broadcast-form").addEventListener("submit", function (e) {
  e.preventDefault();
  var text = $("broadcast-text").value.trim();
  if (!text) { $("broadcast-text").focus(); return; }
  var args = { text: text };
  if ($("broadcast-table").value) args.table = parseInt($("broadcast-table").value, 10);
  send("broadcast", args, $("broadcast-submit"), t("Message sent.")).then(function (ok) {
    if (ok) $("broadcast-text").value = "";
  });
});

function render() {
  if (!S.view) return;
  var started = S.view.game.status !== "lobby";
  if (started !== S.started) { $("lobby").open = !started; S.started = started; }
  renderControls();
  renderPlayers();
  renderTables();
  renderDialog();
  renderSeatRepair(S.view, send);  // seats.js: hand and merge
}

function take(events) { takeEvents(S, events); }

// A whole view resets what the patches are measured against (roleplay/web/dashboard.py).
/* A whole view (a sync's or a `view`): the base, unless an earlier whole view was newer;
   then the recent patches newer than it are applied again (one may have overtaken it). */
function setView(v) {
  if (S.view && v.game.seq < S.base) return false;
  S.base = v.game.seq;
  S.view = v; S.partSeq = {};
  for (var i = 0; i < S.recent.length; i++) {
    if (S.recent[i].seq > v.game.seq && !mergePatch(S.recent[i])) { conn.sync(S.lastSeq); break; }
  }
  return true;
}
function heldSeq(key) {
  var v = S.partSeq[key];
  if (v === undefined) v = S.partSeq["*"];
  return v === undefined ? S.view.game.seq : v;
}
/* Apply a view_patch: each part is replaced only by a copy from the same or a later
   state, so patches from several workers may cross. False: newer and of another
   step, ask for a sync. (The same rule as merge_patch in dashboard.py.) */
function mergePatch(p) {
  var v = S.view;
  if (S.partSeq["*"] === undefined) S.partSeq["*"] = v.game.seq;
  if (p.step !== v.game.step) return p.seq < heldSeq("game");
  if (p.seq >= heldSeq("game")) {
    v.game = p.game; S.partSeq.game = p.seq;
    if (p.controls) v.controls = p.controls;
  }
  [["table", v.tables, p.tables], ["player", v.players, p.players]].forEach(function (x) {
    var kind = x[0], parts = x[1], index = {};
    parts.forEach(function (part, i) { index[part.id] = i; });
    x[2].forEach(function (part) {
      var key = kind + ":" + part.id;
      if (p.seq < heldSeq(key)) return;
      S.partSeq[key] = p.seq;
      if (index[part.id] !== undefined) parts[index[part.id]] = part;
      else { index[part.id] = parts.length; parts.push(part); }
    });
  });
  if (p.results !== undefined && p.seq >= heldSeq("results")) {
    v.results = p.results; S.partSeq.results = p.seq;
  }
  v.tables.sort(function (a, b) { return a.id - b.id; });
  return true;
}

var conn = connect(function () {
  return { kind: "instructor", game: gameId, last_seq: S.lastSeq };
}, {
  status: setConn,
  sync: function (d) { if (d.view) setView(d.view); take(d.events); render(); },
  view: function (d) { if (setView(d.view)) render(); },  // views from two workers may cross
  view_patch: function (d) {
    S.recent.push(d);
    if (S.recent.length > 50) S.recent.shift();
    if (!S.view) return;  // the sync's whole view is on its way: applied after it
    if (!mergePatch(d)) { conn.sync(S.lastSeq); return; }
    render();
  },
  events: function (d) { take(d.events); if (S.view) { renderTables(); renderDialog(); } },
  resync: function () { conn.sync(0); },  // the whole log, merged by seq: fills any gap
  error: function (d) { toast(d.msg ? t(d.msg, d.args) : d.message || t("Something went wrong."), "bad"); },
  refused: function (msg) {
    toast((msg || t("Not signed in")) + " — " + t("log in again."), "bad");
    setTimeout(function () { window.location.href = "/instructor/login?next=" + encodeURIComponent(window.location.pathname); }, 1500);
  },
});
