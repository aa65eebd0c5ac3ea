/* Shared helpers for the pages: DOM building (text only), the clock, the socket.
 *
 * Every piece of data from the server is inserted with textContent (through
 * `el`), never as HTML: names, chat and scenario text render as text.
 */
(function () {
  "use strict";

  /** Create an element. attrs: {class, text, id, on: {click: fn}, dataset: {...}, ...attributes}. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    var a = attrs || {};
    Object.keys(a).forEach(function (k) {
      var v = a[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = String(v);
      else if (k === "on") Object.keys(v).forEach(function (ev) { node.addEventListener(ev, v[ev]); });
      else if (k === "style") Object.keys(v).forEach(function (p) { node.style[p] = v[p]; });
      else if (k === "dataset") Object.keys(v).forEach(function (d) { node.dataset[d] = v[d]; });
      else if (k === "checked" || k === "disabled" || k === "hidden" || k === "selected" || k === "value")
        node[k] = v;
      else node.setAttribute(k, v === true ? "" : String(v));
    });
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    if (typeof child === "string" || typeof child === "number") {
      node.appendChild(document.createTextNode(String(child)));
      return;
    }
    node.appendChild(child);
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  /** Replace a node's children. */
  function fill(node) {
    clear(node);
    for (var i = 1; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  /** Paragraphs from plain text (blank lines separate them). */
  function paragraphs(text) {
    return String(text || "").split(/\n\s*\n/).filter(function (p) { return p.trim(); })
      .map(function (p) { return el("p", { text: p.replace(/\s*\n\s*/g, " ").trim() }); });
  }

  function $(id) { return document.getElementById(id); }

  function fmtPoints(x) {
    if (x === null || x === undefined || isNaN(x)) return "–";
    var r = Math.round(x * 10) / 10;
    return String(r);
  }

  function signed(x) {
    var s = fmtPoints(x);
    return x > 0 ? "+" + s : s;
  }

  function fmtTime(epochSeconds) {
    var d = new Date(epochSeconds * 1000);
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  }

  function randomId() {
    var b = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  // -- toasts ---------------------------------------------------------------------
  function toast(text, kind) {
    var box = $("toasts");
    if (!box) return;
    var t = el("div", { class: "toast " + (kind || ""), text: text });
    box.appendChild(t);
    setTimeout(function () { t.classList.add("gone"); }, 5000);
    setTimeout(function () { if (t.parentNode) t.parentNode.removeChild(t); }, 5600);
  }

  // -- the clock ----------------------------------------------------------------------
  /**
   * A clock from a game header: deadline and remaining are server seconds;
   * offset = server_time - local time at receipt, so a wrong local clock does not matter.
   */
  function Clock(node) {
    this.node = node;
    this.game = null;
    this.offset = 0;
    var self = this;
    this.timer = setInterval(function () { self.render(); }, 500);
  }
  Clock.prototype.update = function (game) {
    this.game = game;
    if (game && typeof game.server_time === "number") this.offset = game.server_time - Date.now() / 1000;
    this.render();
  };
  Clock.prototype.left = function () {
    var g = this.game;
    if (!g) return null;
    if (g.status === "paused") return g.remaining;
    if (g.status !== "running" || g.deadline === null || g.deadline === undefined) return null;
    return Math.max(0, g.deadline - (Date.now() / 1000 + this.offset));
  };
  Clock.prototype.render = function () {
    if (!this.node) return;
    var g = this.game;
    var left = this.left();
    var text = "--:--";
    if (left !== null && left !== undefined) {
      var s = Math.ceil(left);
      var m = Math.floor(s / 60);
      text = m + ":" + ("0" + (s % 60)).slice(-2);
    }
    if (g && g.status === "finished") text = "Ended";
    else if (g && g.status === "lobby") text = "Lobby";
    this.node.textContent = text;
    var paused = !!(g && g.status === "paused");
    var warn = left !== null && left !== undefined && left <= 60 && !paused && g && g.status === "running";
    this.node.classList.toggle("warn", !!warn);
    this.node.classList.toggle("paused", paused);
    this.node.setAttribute("aria-label", paused ? "Paused, " + text + " left" :
      (left !== null && left !== undefined ? text + " left in this phase" : text));
  };

  // -- the socket -------------------------------------------------------------------------
  /**
   * Connect with `auth` (a function returning the auth object, so that a
   * reconnect sends the latest last_seq). handlers: {sync, events, view, view_patch, error,
   * ack, resync, kicked, status(connected: bool), refused(message)}.
   */
  function connect(authFn, handlers) {
    var socket = window.io({
      auth: function (cb) { cb(authFn()); },
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
    });
    var pending = {};
    var everConnected = false;
    socket.on("connect", function () {
      everConnected = true;
      if (handlers.status) handlers.status(true);
    });
    socket.on("disconnect", function () { if (handlers.status) handlers.status(false); });
    socket.on("connect_error", function (err) {
      if (handlers.status) handlers.status(false);
      var retry = err && err.data && err.data.retry_in;
      if (!socket.active && typeof retry === "number") {
        // reconnecting too often: the server says when to try again
        setTimeout(function () { socket.connect(); }, Math.min(retry, 30) * 1000);
        return;
      }
      // A refused credential: the server does not reconnect by itself.
      if (!socket.active && handlers.refused) handlers.refused(err && err.message);
    });
    ["sync", "events", "view", "view_patch", "resync", "kicked", "reseated"].forEach(function (name) {
      socket.on(name, function (data) { if (handlers[name]) handlers[name](data || {}); });
    });
    socket.on("ack", function (data) {
      var p = data && pending[data.client_id];
      if (p) { delete pending[data.client_id]; p.resolve(data); }
      if (handlers.ack) handlers.ack(data);
    });
    socket.on("error", function (data) {
      var p = data && data.client_id && pending[data.client_id];
      if (p) { delete pending[data.client_id]; p.reject(data); }
      else if (handlers.error) handlers.error(data || {});
    });
    return {
      socket: socket,
      /** Send a command; resolves on ack, rejects with {code, message} on error. */
      command: function (name, args) {
        var id = randomId();
        return new Promise(function (resolve, reject) {
          pending[id] = { resolve: resolve, reject: reject };
          socket.emit("command", { name: name, args: args || {}, client_id: id });
        });
      },
      sync: function (lastSeq) { socket.emit("sync", { last_seq: lastSeq || 0 }); },
    };
  }

  /** A small "reconnecting…" indicator driven by the socket's status. */
  function connIndicator(node) {
    var timer = null;
    return function (connected) {
      if (!node) return;
      if (connected) {
        clearTimeout(timer);
        timer = null;
        node.hidden = true;
        document.body.classList.remove("offline");
      } else if (!timer) {
        // do not flash on a quick reconnect
        timer = setTimeout(function () {
          node.hidden = false;
          document.body.classList.add("offline");
        }, 600);
      }
    };
  }

  function pageData() {
    var node = $("page-data");
    if (!node) return {};
    try { return JSON.parse(node.textContent || "{}"); } catch (e) { return {}; }
  }

  /** Keyboard for a role=tablist: arrows, Home, End. onSelect(tabButton). */
  function tabs(list, onSelect) {
    var buttons = Array.prototype.slice.call(list.querySelectorAll('[role="tab"]'));
    buttons.forEach(function (b, i) {
      b.addEventListener("click", function () { onSelect(b); });
      b.addEventListener("keydown", function (e) {
        var j = null;
        if (e.key === "ArrowRight") j = (i + 1) % buttons.length;
        else if (e.key === "ArrowLeft") j = (i - 1 + buttons.length) % buttons.length;
        else if (e.key === "Home") j = 0;
        else if (e.key === "End") j = buttons.length - 1;
        if (j === null) return;
        e.preventDefault();
        buttons[j].focus();
        onSelect(buttons[j]);
      });
    });
    return function select(btn) {
      buttons.forEach(function (b) {
        var on = b === btn;
        b.setAttribute("aria-selected", on ? "true" : "false");
        b.tabIndex = on ? 0 : -1;
        var panel = $(b.getAttribute("aria-controls"));
        if (panel) panel.hidden = !on;
      });
    };
  }

  var EVENT_LABELS = {
    phase_started: "Phase", paused: "Paused", resumed: "Resumed", extended: "Extended",
    event_fired: "Event", message: "Instructor", proposal_made: "Proposal",
    signed: "Signed", refused: "Refused", table_settled: "Outcome",
    linkage_declared: "Linkage", action_taken: "Action", private_effect: "Confidential",
    openings_revealed: "Openings", opening_submitted: "Opening", seat_assigned: "Seat",
    results_released: "Results", game_finished: "Game over", step_started: "Next scenario",
    player_joined: "Joined", player_kicked: "Removed", lobby_locked: "Lobby", chat: "Chat",
  };

  function mmss(seconds) {
    var s = Math.round(seconds || 0);
    var m = Math.floor(s / 60);
    return m + ":" + ("0" + (s % 60)).slice(-2);
  }

  /** A command sender for a page: disables the button meanwhile, toasts, then re-renders. */
  function sender(getConn, render) {
    return async function send(name, args, button, okText) {
      if (button) button.disabled = true;
      try {
        await getConn().command(name, args || {});
        if (okText) toast(okText, "ok");
        return true;
      } catch (err) {
        toast((err && err.message) || "That did not work.", "bad");
        return false;
      } finally {
        if (button) button.disabled = false;
        render();
      }
    };
  }

  /** Merge received events into a page's state (S.events, S.seqs, S.lastSeq), in order. */
  function takeEvents(S, events, keep) {
    (events || []).forEach(function (e) {
      if (S.seqs[e.seq]) return;
      S.seqs[e.seq] = true;
      S.events.push(e);
      if (e.seq > S.lastSeq) S.lastSeq = e.seq;
    });
    S.events.sort(function (a, b) { return a.seq - b.seq; });
    if (keep && S.events.length > keep) S.events = S.events.slice(-keep);
  }

  /** A table type as the debrief names it ("cherry-picking", not "cherry picking"). */
  var TYPE_LABELS = {
    unilateral_template: "unilateral template", joint_standard: "joint standard",
    cherry_picking: "cherry-picking", tailor_made_partnership: "tailor-made partnership", deadlock: "deadlock",
  };
  function typeLabel(t) { return t ? (TYPE_LABELS[t] || String(t).replace(/_/g, " ")) : ""; }

  window.RP = {
    typeLabel: typeLabel,
    sender: sender, takeEvents: takeEvents,
    el: el, fill: fill, clear: clear, paragraphs: paragraphs, $: $, toast: toast,
    fmtPoints: fmtPoints, signed: signed, fmtTime: fmtTime, randomId: randomId, mmss: mmss,
    Clock: Clock, connect: connect, connIndicator: connIndicator, pageData: pageData, tabs: tabs,
    EVENT_LABELS: EVENT_LABELS,
  };
})();
