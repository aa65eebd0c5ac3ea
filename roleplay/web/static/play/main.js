/* The student's page: one table, one role. The server decides; this page shows.
 *
 * Data comes from the socket (docs/protocol.md): `sync` {me, view, events, seq},
 * `view` {view}, `events` {events}. state.js holds what the page knows; one module per
 * panel draws it (briefing, negotiate with its footer and results, channels, actions,
 * the timeline and banners); this module receives and hands out.
 */
import { connect, connIndicator } from "../connection.js";
import { describeForStudent, BANNER_TYPES } from "../describe.js";
import { tabs, toast, $ } from "../dom.js";
import { takeEvents } from "../events.js";
import { renderActions } from "./actions.js";
import { app } from "./app.js";
import { updateBadges } from "./badges.js";
import { renderBriefing } from "./briefing.js";
import { addChat, renderChannels, scrollChat } from "./channels.js";
import { renderNegotiate } from "./negotiate.js";
import { message, show } from "./screens.js";
import { othersSigned, seated } from "./selectors.js";
import { code, DRAFT_KEY, gameId, KEY, LOG_KEY, S, saveLog, saveLogSoon, store, token } from "./state.js";
import { renderStep } from "./step.js";
import { banner, renderEvents, viewBanners } from "./timeline.js";
import { clock, renderTop } from "./topbar.js";
import { t } from "../i18n.js";
import { renderTranslationNotice } from "./translation.js";

var setConn = connIndicator($("conn"));

// -- receiving ---------------------------------------------------------------------------------------
function take(events, live) {
  var fresh = takeEvents(S, events);
  if (!fresh.length) return;
  fresh.forEach(function (e) {
    if (e.type === "chat") { if (S.view && S.view.table) addChat(e); }
    else if (e.type === "player_kicked" && S.me && e.data.player === S.me.id) kicked(t("You were removed from this game by the instructor."));
    else if (describeForStudent(S.view, e) && e.type !== "player_joined") {
      if (live && S.tab !== "events") S.eventsUnread++;
      if (live && BANNER_TYPES[e.type]) banner(e);
    }
    if (e.type === "proposal_made" && !S.draftTouched) { S.draft = Object.assign({}, e.data.package); }
  });
  saveLogSoon();
}

function render() {
  if (!S.view || S.kicked) return;
  renderTop();
  var v = S.view;
  if (v.me && v.me.kicked) { kicked(t("You were removed from this game by the instructor.")); return; }
  if (!seated(S.view)) {
    show("screen-waiting");
    $("waiting-game").textContent = v.game.title;
    $("waiting-title").textContent = t("Welcome, %(name)s", { name: S.me ? S.me.name : (v.me ? v.me.name : "") });
    $("waiting-text").textContent = v.game.status === "finished" ? t("This game is over.") :
      t("Waiting for your instructor to give you a seat…");
    $("waiting-seat").hidden = true;
    return;
  }
  show("screen-game");
  renderTranslationNotice(v);
  renderStep();
  renderBriefing();
  renderNegotiate();
  renderChannels();
  renderActions();
  renderEvents();
  updateBadges();
}

function kicked(text) {
  S.kicked = true;
  store.del(KEY);
  store.del(LOG_KEY);
  store.del(DRAFT_KEY);
  if (app.conn) app.conn.socket.disconnect();
  $("top-role").textContent = "";
  $("top-table").textContent = "";
  $("top-phase").textContent = "";
  $("clock").hidden = true;
  $("banners").textContent = "";
  message("You are no longer in this game", text, "/join/" + encodeURIComponent(code));
}

function connectSeat() {
  return connect(function () {
    return { kind: "player", game: gameId, token: token, last_seq: S.lastSeq };
  }, {
    status: function (up) {
      setConn(up);
      if (!up && !S.synced && !S.kicked) { /* first connection still pending */ }
    },
    sync: function (data) {
      var hadState = !S.quiet && (S.synced || S.lastSeq > 0);
      S.quiet = false;
      if (data.me) S.me = data.me;
      if (data.view) S.view = data.view;
      if (S.view && S.view.me) S.me = Object.assign({}, S.me || {}, S.view.me);
      take(data.events, hadState);
      if (typeof data.seq === "number" && data.seq > S.lastSeq) S.lastSeq = data.seq;
      S.synced = true;
      saveLog();
      render();
      // where the server last said this player sits (a seat back, a move), if not seen yet
      if (data.me && data.me.notice && data.me.notice.seq > (S.noticeSeen || 0)) {
        banner({ type: "seat_notice", seq: data.me.notice.seq, data: { text: data.me.notice.text, message: data.me.notice.message } });
      }
    },
    view: function (data) {
      // views are built after the events are sent, and a worker may send one late:
      // one from an older state than the page's waits for the next
      if (S.view && data.view.game.seq < S.view.game.seq) return;
      var oldTable = S.view && S.view.table ? S.view.table.id : null;
      var hadResults = !!(S.view && S.view.game.results_visible);
      var before = S.view && S.view.table && S.view.role ? { table: S.view.table.id, outcome: S.view.table.outcome,
        signed: S.view.table.current !== null ? othersSigned(S.view).join(",") : "" } : null;
      S.view = data.view;
      if (S.view.me) S.me = Object.assign({}, S.me || {}, S.view.me);
      var newTable = S.view.table ? S.view.table.id : null;
      if (oldTable !== newTable) {
        S.chatKey = null;
        S.structureKey = null;
        // moved to another table: fetch that table's history (one worker sends no `resync`)
        if (oldTable !== null && newTable !== null) { restart(); return; }
      }
      render();
      if (before && seated(S.view) && before.table === S.view.table.id) viewBanners(before);
      if (!hadResults && S.view.game.results_visible && seated(S.view)) {
        // the results just came out: show them (once)
        app.selectTab($("tab-negotiate"));
        S.tab = "negotiate";
        window.scrollTo(0, 0);
      }
    },
    events: function (data) {
      take(data.events, true);
      if (S.view) { renderEvents(); if (seated(S.view)) { renderActions(); renderChannels(); } updateBadges(); }
    },
    resync: function () { restart(); },
    kicked: function (data) { kicked(data.msg ? t(data.msg, data.args) : data.message || t("You were removed from this game.")); },
    // merged into another player's seat by the instructor: this browser's token now opens
    // that seat, so reconnect (the server closes this socket) and start from its log
    reseated: function () {
      S.events = []; S.seqs = {}; S.lastSeq = 0; S.me = null; S.chatKey = null; S.structureKey = null;
      saveLog();
      app.conn.socket.disconnect();
      app.conn.socket.connect();
    },
    error: function (data) { toast(data.message || t("Something went wrong."), "bad"); },
    refused: function () {
      if (S.kicked) return;
      store.del(KEY);
      message(t("This seat is no longer yours"), t("The server did not recognise this browser for this game. Join again with the code."),
        "/join/" + encodeURIComponent(code));
    },
  });
}

/** A new seat sees different events: start the log again from the server's copy. */
function restart() {
  S.chatKey = null;
  S.structureKey = null;
  S.events = [];
  S.seqs = {};
  S.lastSeq = 0;
  S.unread = {};
  S.draft = {};
  S.draftTouched = false;
  store.del(DRAFT_KEY);
  S.quiet = true;
  saveLog();
  app.conn.sync(0);
}

function start() {
  if (!gameId) { message("No game", "This page needs a game.", "/"); return; }
  if (!token) {
    message("Join this game first", "This browser has not joined this game yet (or its seat was cleared).",
      "/join/" + encodeURIComponent(code));
    return;
  }
  // -- tabs
  var selectTab = tabs(document.querySelector(".tabs"), function (btn) {
    S.tab = btn.id.replace("tab-", "");
    selectTab(btn);
    if (S.tab === "channels" && S.channel) { S.unread[S.channel] = 0; scrollChat(S.channel); }
    if (S.tab === "events") S.eventsUnread = 0;
    updateBadges();
    window.scrollTo(0, 0);
  });
  app.selectTab = selectTab;
  app.render = render;
  app.conn = connectSeat();
  message("Connecting…", "Getting your seat at the table.");
  window.addEventListener("pageshow", function () { clock.render(); });
  // tests and curious students: the page's state, read-only
  window.__roleplay = { state: function () {
    return { lastSeq: S.lastSeq, events: S.events.length, me: S.me,
      role: S.view && S.view.role ? S.view.role.id : null, table: S.view && S.view.table ? S.view.table.id : null };
  } };
}

start();
