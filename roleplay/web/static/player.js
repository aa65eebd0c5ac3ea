/* The student's page: one table, one role. The server decides; this page shows.
 *
 * Data comes from the socket (docs/protocol.md): `sync` {me, view, events, seq},
 * `view` {view}, `events` {events}. The token is kept in localStorage under
 * roleplay:<game>; the events seen so far under roleplay:<game>:log, so a
 * reload asks only for what it missed (last_seq).
 */
(function () {
  "use strict";
  var RP = window.RP;
  var el = RP.el, fill = RP.fill, $ = RP.$;

  var body = document.body;
  var gameId = body.dataset.game;
  var code = body.dataset.code || "";
  var KEY = "roleplay:" + gameId;
  var LOG_KEY = KEY + ":log";
  var DRAFT_KEY = KEY + ":draft";
  var MAX_LOG = 1500;

  var store = {
    get: function (k) { try { return window.localStorage.getItem(k); } catch (e) { return null; } },
    set: function (k, v) { try { window.localStorage.setItem(k, v); } catch (e) { /* full or private */ } },
    del: function (k) { try { window.localStorage.removeItem(k); } catch (e) { /* ignore */ } },
  };

  // The token arrives once in the page right after joining; keep it.
  if (body.dataset.token) {
    if (store.get(KEY) !== body.dataset.token) store.del(LOG_KEY);
    store.set(KEY, body.dataset.token);
    body.removeAttribute("data-token");
  }
  var token = store.get(KEY);

  var S = {
    me: null,
    view: null,
    events: [],
    seqs: {},
    lastSeq: 0,
    synced: false,
    tab: "briefing",
    channel: null,
    unread: {},
    eventsUnread: 0,
    draft: {},
    draftTouched: false,
    confirmRefuse: false,
    structureKey: null,
    chatKey: null,
    kicked: false,
    backgroundOpen: false,
  };

  (function restore() {
    try {
      var saved = JSON.parse(store.get(LOG_KEY) || "null");
      if (saved && Array.isArray(saved.events)) {
        saved.events.forEach(function (e) { S.seqs[e.seq] = true; S.events.push(e); });
        S.lastSeq = saved.seq || 0;
      }
      var d = JSON.parse(store.get(DRAFT_KEY) || "null");
      if (d && typeof d === "object") { S.draft = d; S.draftTouched = true; }
    } catch (e) { S.events = []; S.seqs = {}; S.lastSeq = 0; }
  })();

  var saveTimer = null;
  function saveLog() {
    clearTimeout(saveTimer);
    saveTimer = null;
    if (S.kicked) return;
    var keep = S.events.slice(-MAX_LOG);
    store.set(LOG_KEY, JSON.stringify({ seq: S.lastSeq, events: keep }));
  }
  /** Writing the whole log on every chat line is slow on phones: at most once a second. */
  function saveLogSoon() {
    if (!saveTimer) saveTimer = setTimeout(saveLog, 1000);
  }
  window.addEventListener("pagehide", function () { if (saveTimer && !S.kicked) saveLog(); });

  var clock = new RP.Clock($("clock"));
  var setConn = RP.connIndicator($("conn"));

  // -- screens ---------------------------------------------------------------------------
  function show(screen) {
    ["screen-message", "screen-waiting", "screen-game"].forEach(function (id) {
      $(id).hidden = id !== screen;
    });
    $("tabs").hidden = screen !== "screen-game";
  }

  function message(title, text, link) {
    $("message-title").textContent = title;
    $("message-text").textContent = text;
    $("message-action").hidden = !link;
    if (link) $("message-link").href = link;
    show("screen-message");
  }

  if (!gameId) { message("No game", "This page needs a game.", "/"); return; }
  if (!token) {
    message("Join this game first", "This browser has not joined this game yet (or its seat was cleared).",
      "/join/" + encodeURIComponent(code));
    return;
  }

  // -- helpers over the view -----------------------------------------------------------
  function roleById(id) {
    var v = S.view;
    if (!v) return null;
    for (var i = 0; i < v.roles.length; i++) if (v.roles[i].id === id) return v.roles[i];
    return null;
  }
  function roleName(id) { var r = roleById(id); return r ? r.name : id; }
  function shortRole(id) {
    var n = roleName(id) || "";
    var i = n.indexOf(" (");
    return i > 0 ? n.slice(0, i) : n;
  }
  function issue(id) {
    var is = (S.view && S.view.issues) || [];
    for (var i = 0; i < is.length; i++) if (is[i].id === id) return is[i];
    return null;
  }
  function option(issueId, optionId) {
    var is = issue(issueId);
    if (!is) return null;
    for (var i = 0; i < is.options.length; i++) if (is.options[i].id === optionId) return is.options[i];
    return null;
  }
  function optionLabel(ref) {
    var parts = String(ref).split(".");
    var o = option(parts[0], parts.slice(1).join("."));
    var is = issue(parts[0]);
    return (is ? is.title + ": " : "") + (o ? o.label : ref);
  }
  function allowed(cap) {
    var g = S.view && S.view.game;
    if (!g || !g.phase) return false;
    if (g.status !== "running" && !(g.status === "paused" && cap === "chat")) return false;
    return g.phase.allow.indexOf(cap) >= 0;
  }
  function packagePoints(pkg) {
    if (!pkg || !S.view.issues) return null;
    var total = 0;
    for (var i = 0; i < S.view.issues.length; i++) {
      var is = S.view.issues[i];
      var o = option(is.id, pkg[is.id]);
      if (!o) return null;
      total += o.points;
    }
    return total + (S.view.role ? S.view.role.points_adjust || 0 : 0);
  }
  function maxPoints() {
    var total = 0;
    (S.view.issues || []).forEach(function (is) {
      total += Math.max.apply(null, is.options.map(function (o) { return o.points; }));
    });
    return total + (S.view.role ? Math.max(0, S.view.role.points_adjust || 0) : 0);
  }
  function linkageProblem(pkg) {
    var chosen = {};
    Object.keys(pkg).forEach(function (k) { chosen[k + "." + pkg[k]] = true; });
    var is = S.view.issues || [];
    for (var i = 0; i < is.length; i++) {
      var o = option(is[i].id, pkg[is[i].id]);
      if (!o) continue;
      for (var j = 0; j < o.requires.length; j++)
        if (!chosen[o.requires[j]]) return "'" + o.label + "' requires '" + optionLabel(o.requires[j]) + "'.";
      for (var k = 0; k < o.excludes.length; k++)
        if (chosen[o.excludes[k]]) return "'" + o.label + "' cannot go with '" + optionLabel(o.excludes[k]) + "'.";
    }
    return null;
  }
  function currentProposal() {
    var t = S.view.table;
    if (!t || t.current === null || t.current === undefined) return null;
    for (var i = 0; i < t.proposals.length; i++) if (t.proposals[i].seq === t.current) return t.proposals[i];
    return null;
  }
  function proposalBySeq(seq) {
    var ps = (S.view && S.view.table && S.view.table.proposals) || [];
    for (var i = 0; i < ps.length; i++) if (ps[i].seq === seq) return ps[i];
    return null;
  }
  /** "proposal 2": numbered at this table by the server, not the game's event sequence. */
  function proposalName(seq) {
    var p = proposalBySeq(seq);
    return "proposal " + (p ? p.number : "");
  }
  /** The next phase (after the current one) in which signing is allowed, or null. */
  function signingPhase() {
    var g = S.view.game, phases = g.phases || [];
    var from = g.phase ? g.phase.index + 1 : 0;
    for (var i = from; i < phases.length; i++)
      if ((phases[i].allow || []).indexOf("sign") >= 0) return { phase: phases[i], next: i === from };
    return null;
  }
  /** The first phase after the current one that allows one of `caps`, or null. */
  function nextPhaseAllowing(caps) {
    var g = S.view.game, phases = g.phases || [];
    for (var i = (g.phase ? g.phase.index + 1 : 0); i < phases.length; i++)
      if (caps.some(function (c) { return (phases[i].allow || []).indexOf(c) >= 0; })) return phases[i];
    return null;
  }
  function signingOpensText() {
    var sp = signingPhase();
    if (!sp) return null;
    return "Signing opens " + (sp.next ? "in the next phase, “" + sp.phase.title + "”, when this clock runs out." :
      "in the phase “" + sp.phase.title + "”.");
  }
  /** "better than", "equal to" or "worse than" your BATNA, with the class for its colour. */
  function againstBatna(total, batna) {
    if (Math.abs(total - batna) < 1e-9) return { text: "equal to your BATNA", cls: "even" };
    return total > batna ? { text: "better than your BATNA", cls: "good" } : { text: "worse than your BATNA", cls: "bad" };
  }
  /** "options 35, actions and events -5": what makes a total, from the view's numbers. */
  function breakdownText(b) {
    if (!b || !b.adjust) return "";
    return "options " + RP.fmtPoints(b.options) + ", actions and events " + RP.signed(b.adjust);
  }
  /** The other signatories who signed the package on the table while this role has not. */
  function othersSigned() {
    var v = S.view, t = v.table, cur = currentProposal();
    if (!cur || t.outcome !== "open" || !v.role.signatory) return [];
    return v.roles.filter(function (r) {
      return r.signatory && r.id !== v.role.id && t.signatures[r.id] === cur.seq;
    }).map(function (r) { return r.id; });
  }
  function seated() {
    var v = S.view;
    return !!(v && v.role && v.table);
  }

  /** Re-render a container, putting the focus back on the element with the same id. */
  function keepFocus(fn) {
    var a = document.activeElement;
    var id = a && a.id;
    var value = a && a.tagName === "INPUT" && a.type === "text" ? a.value : null;
    fn();
    if (id && document.activeElement !== a) {
      var again = document.getElementById(id);
      if (again) {
        if (value !== null && again.value === "") again.value = value;
        again.focus();
      }
    }
  }

  var send = RP.sender(function () { return conn; }, function () { render(); });

  // -- top bar ----------------------------------------------------------------------------
  var STATUS = { lobby: "Waiting to start", paused: "Paused", finished: "Game over", running: "" };
  function renderTop() {
    var v = S.view;
    var g = v.game;
    $("top-role").textContent = v.role ? shortRole(v.role.id) : (S.me ? S.me.name : "");
    $("top-role").title = v.role ? v.role.name : "";
    $("top-table").textContent = v.table ? "Table " + v.table.id : "";
    var phase = g.phase ? g.phase.title : "";
    var st = STATUS[g.status] || "";
    var steps = g.steps && g.steps.length > 1 ? "Scenario " + (g.step + 1) + "/" + g.steps.length + " · " : "";
    $("top-phase").textContent = steps + (g.status === "running" ? phase : (st + (phase && g.status === "paused" ? " · " + phase : "")));
    body.dataset.status = g.status;
    clock.update(g);
  }

  // -- briefing -----------------------------------------------------------------------------
  // The role card is the server's (roleplay/engine/cards.py): the page only lays it out.
  function roleCard(role, mates) {
    var c = role.card || {};
    var acts = c.actions || [];
    return el("article", { class: "card role-card", id: "role-card", "aria-labelledby": "brief-role" },
      el("p", { class: "kicker", text: "Your role card · confidential" }),
      el("h3", { id: "brief-role", text: "You are: " + (c.name || role.name) }),
      mates.length > 1 ? el("p", { class: "team small", text: "Your team: " + mates.join(", ") }) : null,
      c.objective ? el("p", { class: "objective" }, el("strong", { text: "Goal: " }), c.objective) : null,
      el("p", { class: "batna" },
        el("strong", { text: "BATNA " + RP.fmtPoints(c.batna !== undefined ? c.batna : role.batna_start) + " points: " }),
        c.batna_meaning || "what you get if there is no deal."),
      c.unknown ? el("p", { class: "unknown" }, el("strong", { text: "You do not know: " }), c.unknown) : null,
      el("ul", { class: "plain rights" }, (c.rights || []).map(function (line) { return el("li", { text: line }); })),
      acts.length ? el("h4", { class: "card-sub", text: "Your actions" + (role.budget ? " (budget " + RP.fmtPoints(role.budget) + ")" : "") }) : null,
      acts.length ? el("ul", { class: "plain card-actions" }, acts.map(function (a) {
        return el("li", null, el("strong", { text: a.name + ": " }), a.effect);
      })) : null,
      (c.notes || []).map(function (line) { return el("p", { class: "card-note small", text: line }); }),
      c.score ? el("p", { class: "score-line small", text: c.score }) : null);
  }

  function renderBriefing() {
    var v = S.view, role = v.role, t = v.table;
    var panel = $("panel-briefing");
    var mates = (t.seats[role.id] || []);
    var variables = (t.variables || []).map(function (x) {
      var pct = x.max ? Math.max(0, Math.min(100, 100 * x.value / x.max)) : 0;
      return el("div", { class: "meter-row" },
        el("span", { class: "meter-label", text: x.label }),
        el("span", { class: "meter", role: "img", "aria-label": x.label + ": " + RP.fmtPoints(x.value) + " of " + x.max },
          el("span", { class: "meter-fill", style: { width: pct.toFixed(0) + "%" } })),
        el("span", { class: "meter-value", text: RP.fmtPoints(x.value) }));
    });
    keepFocus(function () {
      fill(panel,
        v.game.status === "lobby" ? el("div", { class: "seat-badge", id: "lobby-seat", role: "status" },
          el("span", { class: "seat-table", text: "Table " + t.id }),
          el("span", { class: "seat-role", text: "You are: " + role.name }),
          el("span", { class: "small", text: "The game has not started yet. Read your briefing while you wait." })) : null,
        roleCard(role, mates),
        el("article", { class: "card confidential", "aria-labelledby": "brief-conf" },
          el("p", { class: "kicker", text: "Confidential · for your eyes only" }),
          el("h3", { id: "brief-conf", text: "Your briefing: " + role.name }),
          RP.paragraphs(role.briefing.confidential),
          role.batna !== role.batna_start ? el("p", { class: "batna" },
            el("strong", { text: "Your BATNA is now " + RP.fmtPoints(role.batna) + " points" }),
            " (it started at " + RP.fmtPoints(role.batna_start) + ")."): null),
        guessPanel(),
        el("details", { class: "card background", id: "brief-bg", open: !!S.backgroundOpen,
                        on: { toggle: function (e) { S.backgroundOpen = e.currentTarget.open; } } },
          el("summary", { text: "Shared background: " + v.scenario.title + " (everyone reads the same)" }),
          v.scenario.summary ? el("p", { class: "lead", text: v.scenario.summary }) : null,
          RP.paragraphs(v.scenario.background)),
        el("section", { class: "card", "aria-labelledby": "brief-table" },
          el("h3", { id: "brief-table", text: "At table " + t.id }),
          el("ul", { class: "plain roles" }, v.roles.map(function (r) {
            var names = t.seats[r.id] || [];
            return el("li", { class: r.id === role.id ? "mine" : "" },
              el("strong", { text: r.name }),
              el("span", { class: "muted", text: " — " + (names.length ? names.join(", ") : "empty seat") }),
              r.public ? el("p", { class: "small", text: r.public }) : null);
          }))),
        variables.length ? el("section", { class: "card", "aria-labelledby": "brief-vars" },
          el("h3", { id: "brief-vars", text: "At your table now" }), variables) : null,
        (t.carried || []).length ? el("section", { class: "card", id: "brief-carried", "aria-labelledby": "brief-carried-h" },
          el("h3", { id: "brief-carried-h", text: "Carried from the last scenario" }),
          el("ul", { class: "plain" }, t.carried.map(function (x) {
            return el("li", { style: { marginBottom: "0.5em" }, text: x.label + ": " + RP.fmtPoints(x.value) +
              (x.effects.length ? " — " + x.effects.join(", ") : " — no effect here") });
          }))) : null);
    });
  }

  // -- BATNA estimate (signatories, in the briefing; revealed at the debrief) ---------------
  function guessPanel() {
    var g = S.view.batna_guess;
    if (!g) return null;
    var other = shortRole(g.about);
    var saved = g.guess === null || g.guess === undefined ? null : g.guess;
    var head = el("h3", { id: "guess-title", text: "Your estimate: the " + other + "'s BATNA" });
    var intro = el("p", { class: "small", text: "How many points do you think the " + other +
      " gets if there is no agreement? Only your side and the instructor see your estimate " +
      "until the debrief, where it is shown beside the real figure." });
    var status = el("p", { id: "guess-saved", role: "status",
      text: saved === null ? "No estimate recorded yet." : "Your estimate: " + RP.fmtPoints(saved) + " points." });
    if (!g.open) {
      var when = S.view.game.status === "lobby" ? " You can record one when the briefing starts." :
        saved === null ? "" : " It will be revealed at the debrief.";
      return el("section", { class: "card guess", id: "guess-panel", "aria-labelledby": "guess-title" },
        head, saved === null && S.view.game.status !== "lobby" ? el("p", { class: "small", text: "Estimates were recorded during the briefing." }) : intro,
        el("p", { id: "guess-saved", text: (saved === null ? "No estimate recorded." : status.textContent) + when }));
    }
    var input = el("input", { id: "guess-input", type: "text", inputmode: "decimal", autocomplete: "off",
      "aria-describedby": "guess-saved", style: { width: "7em", flex: "0 0 auto" },
      value: S.guessDraft !== undefined ? S.guessDraft : (saved === null ? "" : String(saved)),
      on: { input: function (e) { S.guessDraft = e.target.value; } } });
    var button = el("button", { id: "guess-submit", type: "submit", class: "button primary",
      text: saved === null ? "Record estimate" : "Change estimate" });
    var form = el("form", { class: "guess-form", on: { submit: function (e) {
      e.preventDefault();
      var raw = String(input.value).trim();
      var n = raw === "" ? NaN : Number(raw.replace(",", "."));
      if (!isFinite(n)) { RP.toast("Type a number of points from 0 to " + RP.fmtPoints(g.max) + ".", "bad"); return; }
      send("guess_batna", { guess: n }, button, "Estimate recorded.").then(function (ok) {
        if (ok) S.guessDraft = undefined;
      });
    } } },
      el("label", { for: "guess-input", text: "Points (0 to " + RP.fmtPoints(g.max) + ")" }),
      el("div", { class: "row" }, input, button));
    return el("section", { class: "card guess", id: "guess-panel", "aria-labelledby": "guess-title" },
      head, intro, form, status);
  }

  // -- a campaign's next scenario ------------------------------------------------------------
  var STEP_KEY = KEY + ":step-read";
  function previousLine(x) {
    return x.title + ": " + (x.outcome === "deal" ? "agreement, " + RP.fmtPoints(x.points) + " points for you" :
      "no agreement" + (x.deadlock_text ? " (" + x.deadlock_text + ")" : "") + ", your BATNA " + RP.fmtPoints(x.batna) + " points");
  }
  function renderStep() {
    var v = S.view, c = v.campaign;
    var card = $("step-card");
    var show = !!(c && c.step > 0 && store.get(STEP_KEY) !== String(c.step));
    card.hidden = !show;
    if (!show) { fill(card); return; }
    var role = v.role;
    var carried = (v.table && v.table.carried) || [];
    keepFocus(function () {
      fill(card,
        el("p", { class: "kicker", text: "Scenario " + (c.step + 1) + " of " + c.steps }),
        el("h2", { id: "step-title", text: "Scenario " + (c.step + 1) + " of " + c.steps + ": read your new briefing" }),
        el("p", { class: "lead", text: v.scenario.title }),
        el("button", { type: "button", class: "button primary big", id: "step-open-briefing",
          on: { click: function () {
            store.set(STEP_KEY, String(c.step));
            renderStep();
            selectTab($("tab-briefing"));
            S.tab = "briefing";
            window.scrollTo(0, 0);
          } } }, "Open the new briefing"),
        el("h3", { text: "What carried over for you" }),
        el("ul", { class: "plain carried", id: "step-carried" },
          carried.map(function (x) {
            return el("li", { text: x.label + ": " + RP.fmtPoints(x.value) +
              (x.effects.length ? " — " + x.effects.join(", ") : " — no effect here") });
          }),
          el("li", { text: "Your BATNA in this scenario: " + RP.fmtPoints(role.batna) + " points" +
            (role.batna !== role.batna_start ? " (it starts at " + RP.fmtPoints(role.batna_start) + ")." : ".") })),
        c.previous.length ? el("h3", { text: "Your earlier results" }) : null,
        c.previous.length ? el("ul", { class: "plain", id: "step-previous" },
          c.previous.map(function (x) { return el("li", { text: previousLine(x) }); })) : null);
    });
  }

  // -- negotiate -----------------------------------------------------------------------------
  function draftComplete() {
    return (S.view.issues || []).every(function (is) { return !!option(is.id, S.draft[is.id]); });
  }

  function seedDraft() {
    if (S.draftTouched) return;
    var cur = currentProposal();
    var t = S.view.table, role = S.view.role;
    var base = cur ? cur.package : (t.openings && t.openings[role.side]) || null;
    if (base) S.draft = Object.assign({}, base);
  }

  function renderNegotiate() {
    var v = S.view;
    var panel = $("panel-negotiate");
    var key = v.scenario.id + "|" + v.role.id + "|" + (v.issues || []).map(function (i) { return i.id + ":" + i.options.length; }).join(",");
    if (S.structureKey !== key) {
      if (S.structureKey && S.structureKey.split("|")[0] !== v.scenario.id) {
        // a campaign's next scenario: new issues, a new package
        S.draft = {};
        S.draftTouched = false;
        store.del(DRAFT_KEY);
      }
      S.structureKey = key;
      fill(panel,
        el("div", { id: "neg-instructions" }),
        el("div", { id: "neg-results" }),
        el("div", { id: "neg-previous" }),
        el("div", { id: "neg-table" }),
        el("form", { id: "package-form", class: "issues", "aria-label": "Your package" },
          el("h2", { class: "section-title", text: "Your package" }),
          el("p", { class: "help", text: "Choose one option per issue. The numbers are your points only; the others see different numbers." }),
          (v.issues || []).map(issueCard)),
        el("div", { id: "neg-linkage" }),
        el("div", { id: "neg-history" }),
        el("div", { id: "package-footer", class: "sticky-footer" }));
      $("package-form").addEventListener("change", function (e) {
        if (e.target.type !== "radio") return;
        S.draft[e.target.name.replace(/^issue-/, "")] = e.target.value;
        S.draftTouched = true;
        store.set(DRAFT_KEY, JSON.stringify(S.draft));
        renderFooter();
      });
      $("package-form").addEventListener("submit", function (e) { e.preventDefault(); });
    }
    seedDraft();
    // radios follow the draft
    (v.issues || []).forEach(function (is) {
      is.options.forEach(function (o) {
        var r = $("opt-" + is.id + "-" + o.id);
        if (r) r.checked = S.draft[is.id] === o.id;
      });
    });
    var settled = v.table.outcome !== "open" || v.game.status === "finished";
    // deciding: nothing to compose any more, the footer holds Sign and Refuse
    var deciding = allowed("sign") && !allowed("propose") && !allowed("open");
    $("package-form").hidden = settled || deciding;
    $("package-footer").hidden = settled;
    $("neg-linkage").hidden = settled || deciding;
    var ph = v.game.phase;
    fill($("neg-instructions"), ph && ph.instructions && v.game.status !== "finished" ?
      el("p", { class: "notice", text: ph.instructions }) : null);
    renderResults();
    renderOnTable();
    renderLinkage();
    renderHistory();
    renderFooter();
  }

  function issueCard(is) {
    return el("fieldset", { class: "card issue", id: "issue-" + is.id },
      el("legend", { text: is.title }),
      is.description ? el("p", { class: "help", text: is.description }) : null,
      el("div", { class: "options" }, is.options.map(function (o) {
        var id = "opt-" + is.id + "-" + o.id;
        var notes = [];
        o.requires.forEach(function (r) { notes.push("Requires " + optionLabel(r)); });
        o.excludes.forEach(function (r) { notes.push("Not with " + optionLabel(r)); });
        return el("label", { class: "option", for: id },
          el("input", { type: "radio", name: "issue-" + is.id, id: id, value: o.id }),
          el("span", { class: "option-body" },
            el("span", { class: "option-label", text: o.label }),
            o.description ? el("span", { class: "option-desc", text: o.description }) : null,
            notes.length ? el("span", { class: "option-note", text: notes.join(" · ") }) : null),
          el("span", { class: "points", "aria-label": RP.fmtPoints(o.points) + " points for you" },
            el("span", { class: "points-n", text: RP.fmtPoints(o.points) }),
            el("span", { class: "points-u", text: "pts" })));
      })));
  }

  function packageList(pkg) {
    return el("ul", { class: "package" }, (S.view.issues || []).map(function (is) {
      var o = option(is.id, pkg[is.id]);
      return el("li", {},
        el("span", { class: "pk-issue", text: is.title }),
        el("span", { class: "pk-option", text: o ? o.label : "–" }),
        el("span", { class: "pk-points", text: o ? RP.fmtPoints(o.points) : "" }));
    }));
  }

  function reasonText(t) {
    return (t && t.deadlock_text) || "the talks ended without an agreement";
  }

  function renderOnTable() {
    var v = S.view, t = v.table, role = v.role;
    var cur = currentProposal();
    var box = $("neg-table");
    var parts = [];
    if (t.outcome !== "open") {
      var deal = t.outcome === "deal";
      var dp = t.my_points_deal;
      var mine = deal && dp ? dp.total : role.batna;
      parts.push(el("section", { class: "card outcome " + t.outcome, "aria-labelledby": "outcome-title" },
        el("h2", { id: "outcome-title", text: deal ? "Agreement signed" : "No agreement" }),
        el("p", { text: deal ? "Both signatories signed. For you this package is worth " + RP.fmtPoints(mine) +
          " points" + (breakdownText(dp) ? " (" + breakdownText(dp) + ")" : "") + ", " + againstBatna(mine, role.batna).text +
          " (" + RP.fmtPoints(role.batna) + ")." :
          "The talks ended without a deal: " + reasonText(t) + ". Every role gets its BATNA" +
          (role.points_adjust ? ", and the costs and bonuses of its actions stand: you get " +
            RP.fmtPoints(role.batna) + " " + RP.signed(role.points_adjust) + " = " +
            RP.fmtPoints(role.batna + role.points_adjust) + " points." :
            ": you get " + RP.fmtPoints(role.batna) + " points.") }),
        deal ? packageList(t.deal) : null));
    }
    if (cur && t.outcome === "open") {
      var total = t.my_total_current;
      var cmp = againstBatna(total, role.batna);
      var sigs = v.roles.filter(function (r) { return r.signatory; }).map(function (r) {
        var ok = t.signatures[r.id] === cur.seq;
        return el("li", { class: ok ? "yes" : "no" },
          el("span", { "aria-hidden": "true", text: ok ? "✓ " : "○ " }),
          shortRole(r.id) + (ok ? " signed" : " has not signed"));
      });
      var others = othersSigned();
      var when = !allowed("sign") && role.signatory ? signingOpensText() : null;
      parts.push(el("section", { class: "card on-table", "aria-labelledby": "ontable-title" },
        el("p", { class: "kicker", text: "On the table · proposal " + cur.number + " of " + t.proposals.length }),
        el("h2", { id: "ontable-title", text: "Proposed by " + shortRole(cur.role) + (cur.role === role.id ? " (your side)" : "") }),
        el("p", { class: "total-line" },
          "For you: ", el("strong", { text: RP.fmtPoints(total) + " points" }),
          breakdownText(t.my_points_current) ? el("span", { class: "breakdown", text: " (" + breakdownText(t.my_points_current) + ")" }) : null,
          el("br"),
          el("span", { class: cmp.cls, text: cmp.text }), " (" + RP.fmtPoints(role.batna) + ")"),
        others.length ? el("p", { class: "notice signed-notice", id: "signed-notice",
          text: signedNoticeText(others) }) : null,
        packageList(cur.package),
        el("ul", { class: "plain sigs" }, sigs),
        when ? el("p", { class: "help", id: "signing-opens", text: when }) : null,
        allowed("propose") && role.signatory ? el("button", { type: "button", class: "button link", id: "use-current",
          on: { click: function () { S.draft = Object.assign({}, cur.package); S.draftTouched = true;
            store.set(DRAFT_KEY, JSON.stringify(S.draft)); renderNegotiate(); RP.toast("Copied into your package below."); } } },
          "Start from this package") : null));
    } else if (t.outcome === "open") {
      parts.push(el("p", { class: "muted empty", text: allowed("sign") ?
        "No package was put on the table, so there is nothing to sign: the table ends without a deal." :
        "No package is on the table yet." }));
    }
    if (t.outcome === "open") (t.suggestions || []).forEach(function (sg) { parts.push(suggestionCard(sg)); });
    keepFocus(function () { fill(box, parts); });
  }

  // a non-binding package a non-signatory put to a signatory (the server sends each side its own)
  function suggestionCard(sg) {
    var v = S.view, mine = sg.role === v.role.id;
    var canAdopt = !mine && v.role.signatory && allowed("propose");
    return el("section", { class: "card suggestion", id: "suggestion-" + sg.seq },
      el("p", { class: "kicker", text: mine ? "Your suggestion to the " + shortRole(sg.to) :
        "Suggested to you by " + shortRole(sg.role) + " · not binding" }),
      el("p", { class: "total-line" }, "For you: ", el("strong", { text: RP.fmtPoints(sg.points) + " points" })),
      packageList(sg.package),
      canAdopt ? el("button", { type: "button", class: "button link", id: "adopt-" + sg.seq,
        on: { click: function () { S.draft = Object.assign({}, sg.package); S.draftTouched = true;
          S.suggestion = sg.seq; store.set(DRAFT_KEY, JSON.stringify(S.draft)); renderNegotiate();
          RP.toast("Copied into your package below: propose it to adopt it as your own."); } } },
        "Start from this suggestion") : null);
  }

  function sameAsSuggestion(pkg) {
    var sg = ((S.view.table || {}).suggestions || []).filter(function (x) { return x.seq === S.suggestion; })[0];
    if (!sg) return null;
    var same = Object.keys(sg.package).every(function (k) { return sg.package[k] === pkg[k]; });
    return same ? sg.seq : null;
  }

  function signedNoticeText(others) {
    var names = others.map(function (r) { return "The " + shortRole(r); });
    var all = othersSignedAll(others);
    return names.join(" and ") + (others.length > 1 ? " have" : " has") + " signed" +
      (all ? "; your signature closes the deal." : ".");
  }
  function othersSignedAll(others) {
    var v = S.view;
    var need = v.roles.filter(function (r) { return r.signatory && r.id !== v.role.id; }).length;
    return others.length === need;
  }

  function renderLinkage() {
    var v = S.view, t = v.table, role = v.role;
    var box = $("neg-linkage");
    var lines = t.linkages.map(function (lk) {
      var is = issue(lk.issue);
      return el("li", { text: shortRole(lk.role) + ": no agreement on " + (is ? is.title : lk.issue) +
        " unless " + optionLabel(lk.requires) + "." });
    });
    var form = null;
    if (role.signatory && allowed("link")) {
      var issues = v.issues || [];
      var reqOpts = [];
      issues.forEach(function (is) {
        is.options.forEach(function (o) {
          reqOpts.push(el("option", { value: is.id + "." + o.id, text: is.title + ": " + o.label }));
        });
      });
      form = el("form", { class: "stack", id: "link-form" },
        el("div", { class: "field" },
          el("label", { for: "link-issue", text: "No agreement on…" }),
          el("select", { id: "link-issue" }, issues.map(function (is) { return el("option", { value: is.id, text: is.title }); }))),
        el("div", { class: "field" },
          el("label", { for: "link-requires", text: "…unless the deal has" }),
          el("select", { id: "link-requires" }, reqOpts)),
        el("button", { type: "submit", class: "button", id: "link-submit" }, "Declare linkage"));
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var iss = $("link-issue").value, req = $("link-requires").value;
        if (req.split(".")[0] === iss) { RP.toast("Link two different issues.", "bad"); return; }
        send("link", { issue: iss, requires: req }, $("link-submit"), "Linkage declared.");
      });
    }
    if (!lines.length && !form) { fill(box); return; }
    var prev = {};
    ["link-issue", "link-requires"].forEach(function (id) { if ($(id)) prev[id] = $(id).value; });
    var was = box.querySelector("details");
    var wasOpen = was ? was.open : lines.length > 0;
    keepFocus(function () {
      fill(box, el("details", { class: "card", id: "linkage", open: wasOpen ? true : null },
        el("summary", { text: "Linkage" + (lines.length ? " (" + lines.length + ")" : "") }),
        el("p", { class: "help", text: "Tie your signature to a condition: the server will not let your side sign a package that breaks it." }),
        lines.length ? el("ul", { class: "plain" }, lines) : null,
        form));
      Object.keys(prev).forEach(function (id) { if ($(id)) $(id).value = prev[id]; });
    });
  }

  function renderHistory() {
    var v = S.view, t = v.table;
    var box = $("neg-history");
    var openKeys = {};
    box.querySelectorAll("details[open]").forEach(function (d) { openKeys[d.dataset.key] = true; });
    var items = t.proposals.slice().reverse().map(function (p) {
      var mine = p.my_total;
      return el("li", {},
        el("details", { dataset: { key: "p" + p.seq }, open: openKeys["p" + p.seq] ? true : null },
          el("summary", {},
            el("span", { text: "Proposal " + p.number + " · " + shortRole(p.role) }),
            el("span", { class: "muted", text: " · " + RP.fmtPoints(mine) + " pts for you" + (p.seq === t.current ? " · on the table" : "") })),
          packageList(p.package)));
    });
    var openings = Object.keys(t.openings || {}).map(function (side) {
      var pkg = t.openings[side];
      return el("li", {}, el("details", { dataset: { key: "o" + side }, open: openKeys["o" + side] ? true : null },
        el("summary", { text: "Opening of the " + (side === "eu" ? "EU" : side === "government" ? "government" : side) +
          " · " + RP.fmtPoints((t.my_opening_totals || {})[side]) + " pts for you" }),
        packageList(pkg)));
    });
    if (!items.length && !openings.length) { fill(box); return; }
    fill(box, el("section", { class: "card", "aria-labelledby": "history-title" },
      el("h2", { id: "history-title", class: "section-title", text: "History" }),
      openings.length ? el("ul", { class: "plain history" }, openings) : null,
      items.length ? el("ol", { class: "plain history" }, items) : null));
  }

  function renderFooter() {
    var v = S.view, role = v.role, t = v.table;
    var box = $("package-footer");
    if (!box) return;
    if (role.signatory && t.outcome === "open" && allowed("sign")) { renderDecisionFooter(box); return; }
    box.classList.remove("decision");
    var complete = draftComplete();
    var total = complete ? packagePoints(S.draft) : null;
    var partial = 0, chosen = 0;
    (v.issues || []).forEach(function (is) {
      var o = option(is.id, S.draft[is.id]);
      if (o) { partial += o.points; chosen++; }
    });
    partial += role.points_adjust || 0;
    var max = Math.max(maxPoints(), role.batna, 1);
    var shown = complete ? total : partial;
    var opening = allowed("open");
    var mySideOpened = t.openings && t.openings[role.side];
    var button = null, note = null;
    var problem = complete ? linkageProblem(S.draft) : null;
    if (role.signatory && t.outcome === "open") {
      var can = opening ? !mySideOpened : allowed("propose");
      var label = opening ? (mySideOpened ? "Opening submitted" : "Submit opening") : "Propose this package";
      button = el("button", { type: "button", class: "button primary", id: "propose",
        disabled: !can || !complete || !!problem,
        on: { click: function (e) {
          var pkg = {};
          (v.issues || []).forEach(function (is) { pkg[is.id] = S.draft[is.id]; });
          var from = sameAsSuggestion(pkg);
          if (opening) send("open", { package: pkg }, e.target, "Opening position submitted.");
          else send("propose", from === null ? { package: pkg } : { package: pkg, suggestion: from },
            e.target, "Your package is on the table.");
        } } }, label);
      var ph = v.game.phase;
      var phaseSends = !!ph && (ph.allow.indexOf("open") >= 0 || ph.allow.indexOf("propose") >= 0);
      if (!phaseSends && v.game.status !== "finished") {
        // nothing to send in this phase: no greyed button, just when packages open
        button = null;
        var later = nextPhaseAllowing(["open", "propose"]);
        note = later ? "You can send a package in the phase “" + later.title + "”. Until then, plan one here." :
          "Packages are not open in this phase.";
      } else if (!complete) note = "Choose an option for every issue (" + chosen + " of " + (v.issues || []).length + ").";
      else if (problem) note = problem;
      else if (!can && !mySideOpened) note = v.game.status === "running" ? "Proposals are not open in this phase." :
        "Wait for the phase to start.";
      else if (allowed("propose")) note = signingOpensText();
    } else if (!role.signatory) {
      note = allowed("sign") ? "The signatories now sign or refuse the package on the table; your role does not sign." :
        allowed("propose") ? (complete && problem ? problem : "Only the EU and the government put packages on the table; suggest yours to one of them (they may adopt it).") :
        "Only the EU and the government make proposals. Use this to work out what to argue for in the channels.";
      if (allowed("propose") && t.outcome === "open") {
        button = el("div", { class: "suggest-buttons" }, v.roles.filter(function (r) { return r.signatory; }).map(function (r) {
          return el("button", { type: "button", class: "button", id: "suggest-" + r.id,
            disabled: !complete || !!problem,
            on: { click: function (e) {
              var pkg = {};
              (v.issues || []).forEach(function (is) { pkg[is.id] = S.draft[is.id]; });
              send("suggest", { package: pkg, to: r.id }, e.target, "Suggested to the " + shortRole(r.id) + ".");
            } } }, "Suggest to the " + shortRole(r.id));
        }));
      }
    }
    keepFocus(function () {
      fill(box,
        el("div", { class: "footer-line" },
          el("span", { class: "footer-total" },
            el("strong", { text: RP.fmtPoints(shown) }), complete ? " points" : " points so far"),
          el("span", { class: "footer-batna", text: "BATNA " + RP.fmtPoints(role.batna) })),
        pointsBar(shown, role.batna, max),
        note ? el("p", { class: "footer-note" + (note === signingOpensText() ? " repeat" : ""), id: "footer-note", text: note }) : null,
        button);
    });
  }

  function pointsBar(shown, batna, max) {
    var pct = Math.max(0, Math.min(100, 100 * shown / max));
    var bpct = Math.max(0, Math.min(100, 100 * batna / max));
    return el("div", { class: "bar", role: "img",
      "aria-label": "Package total " + RP.fmtPoints(shown) + " against your BATNA " + RP.fmtPoints(batna) + " (best possible " + RP.fmtPoints(max) + ")" },
      el("span", { class: "bar-fill " + (shown >= batna ? "good" : "bad"), style: { width: pct.toFixed(1) + "%" } }),
      el("span", { class: "bar-batna", style: { left: bpct.toFixed(1) + "%" } }));
  }

  /** The decision phase: the footer holds the one thing to do, Sign or Refuse the package on the table. */
  function renderDecisionFooter(box) {
    var v = S.view, role = v.role, t = v.table;
    var cur = currentProposal();
    box.classList.add("decision");
    if (!cur) {
      keepFocus(function () {
        fill(box, el("p", { class: "footer-note", id: "footer-note",
          text: "No package was put on the table: there is nothing to sign, and the table ends without a deal." }));
      });
      return;
    }
    var total = t.my_total_current;
    var cmp = againstBatna(total, role.batna);
    var signedByMe = t.signatures[role.id] === cur.seq;
    var others = othersSigned();
    var line = el("div", { class: "footer-line" },
      el("span", { class: "footer-total" }, "Proposal " + cur.number + ": ",
        el("strong", { text: RP.fmtPoints(total) }), " points for you"),
      el("span", { class: "footer-batna " + cmp.cls, text: "BATNA " + RP.fmtPoints(role.batna) }));
    var closes = others.length && othersSignedAll(others);
    var note = signedByMe ? "You signed. Waiting for the other side." :
      closes ? "Your signature closes the deal." :
      cmp.text.charAt(0).toUpperCase() + cmp.text.slice(1) + ".";
    var buttons;
    if (S.confirmRefuse) {
      buttons = el("div", { class: "footer-buttons confirm", role: "group", "aria-label": "Confirm refusal" },
        el("span", { class: "confirm-text", text: "Refuse for good? The table ends with no deal." }),
        el("button", { type: "button", class: "button danger", id: "refuse-yes",
          on: { click: function (e) { S.confirmRefuse = false; send("refuse", {}, e.target); } } }, "Yes, refuse"),
        el("button", { type: "button", class: "button", id: "refuse-no",
          on: { click: function () { S.confirmRefuse = false; renderFooter(); $("refuse").focus(); } } }, "Cancel"));
    } else {
      buttons = el("div", { class: "footer-buttons" },
        el("button", { type: "button", class: "button primary", id: "sign", disabled: signedByMe,
          on: { click: function (e) { send("sign", { proposal: cur.seq }, e.target, "You signed."); } } },
          signedByMe ? "Signed" : "Sign"),
        el("button", { type: "button", class: "button danger-outline", id: "refuse",
          on: { click: function () { S.confirmRefuse = true; renderFooter(); $("refuse-yes").focus(); } } }, "Refuse"));
    }
    keepFocus(function () {
      fill(box, line,
        el("p", { class: "footer-note" + (others.length && !signedByMe ? " strong" : ""), id: "footer-note", text: note }),
        buttons);
    });
  }

  var TYPES = {
    unilateral_template: "unilateral template", joint_standard: "joint standard",
    cherry_picking: "cherry-picking", tailor_made_partnership: "tailor-made partnership", deadlock: "deadlock",
  };
  function typeLabel(t) { return t ? (TYPES[t] || String(t).replace(/_/g, " ")) : ""; }
  function scoreText(x) { return x === null || x === undefined ? "–" : RP.fmtPoints(x); }

  function renderPrevious() {
    var c = S.view.campaign;
    var box = $("neg-previous");
    if (!box) return;
    if (!c || !c.previous.length) { fill(box); return; }
    var was = box.querySelector("details");
    fill(box, el("details", { class: "card", id: "previous-results", open: was && was.open ? true : null },
      el("summary", { text: "Earlier scenarios (" + c.previous.length + ")" }),
      el("ul", { class: "plain" }, c.previous.map(function (x) { return el("li", { text: previousLine(x) }); }))));
  }

  function renderResults() {
    var v = S.view;
    var box = $("neg-results");
    renderPrevious();
    if (!v.game.results_visible) { fill(box); return; }
    var res = v.results;
    var t = v.table, role = v.role;
    var content = [];
    var mine = t.outcome === "deal" && t.my_points_deal ? t.my_points_deal.total : role.batna;
    if (res && res.table) {
      var rt = res.table;
      var own = rt.points && rt.points[role.id] !== undefined ? rt.points[role.id] : mine;
      content.push(el("p", { class: "big-number" }, el("strong", { text: RP.fmtPoints(own) }), " points for you"),
        el("p", { text: (rt.outcome === "deal" ? "Your table signed a " + typeLabel(rt.type) + "." : "Your table reached no agreement: everyone gets their BATNA.") +
          (rt.percentile !== null && rt.percentile !== undefined ? " Your role did better than " + Math.round(rt.percentile) + "% of the other " + shortRole(role.id) + " seats." : "") }));
      var roles = Object.keys(rt.scores || {});
      content.push(el("table", { class: "data" },
        el("caption", { text: "Scores at table " + rt.id + " (0 = the BATNA each role started with, 100 = its best package)" }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Role" }), el("th", { scope: "col", text: "Score" }))),
        el("tbody", {}, roles.map(function (r) {
          return el("tr", { class: r === role.id ? "mine" : "" },
            el("th", { scope: "row", text: shortRole(r) }),
            el("td", { text: scoreText(rt.scores[r]) }));
        }))));
      if (res.tables && res.tables.length > 1) {
        content.push(el("table", { class: "data" },
          el("caption", { text: "Every table" }),
          el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Table" }), el("th", { scope: "col", text: "Outcome" }),
            el("th", { scope: "col", text: shortRole(role.id) + " score" }))),
          el("tbody", {}, res.tables.map(function (x) {
            return el("tr", { class: x.id === t.id ? "mine" : "" },
              el("th", { scope: "row", text: "Table " + x.id }),
              el("td", { text: x.outcome === "deal" ? typeLabel(x.type) : "no deal" }),
              el("td", { text: scoreText((x.scores || {})[role.id]) }));
          }))));
      }
      if (res.report_url) content.push(el("p", {}, el("a", { href: res.report_url, text: "Open your results page" })));
    } else {
      content.push(el("p", { class: "big-number" }, el("strong", { text: RP.fmtPoints(mine) }), " points for you"),
        el("p", { text: t.outcome === "deal" ? "from the signed agreement (your BATNA was " + RP.fmtPoints(role.batna) + ")." :
          t.outcome === "deadlock" ? "your BATNA: there was no agreement." : "The table is still open." }));
    }
    fill(box, el("section", { class: "card results", "aria-labelledby": "results-title" },
      el("h2", { id: "results-title", text: "Results" }), content));
  }

  // -- channels ---------------------------------------------------------------------------------
  function myChats(channelId) {
    var tid = S.view.table.id;
    return S.events.filter(function (e) {
      return e.type === "chat" && e.data.channel === channelId && e.data.table === tid;
    });
  }

  function chatLine(e) {
    var d = e.data;
    var mine = S.me && d.name === S.me.name && d.role === S.view.role.id;
    return el("div", { class: "msg" + (mine ? " mine" : ""), dataset: { seq: String(e.seq) } },
      el("span", { class: "msg-meta" },
        el("strong", { text: d.name }),
        el("span", { class: "muted", text: " · " + shortRole(d.role) + " · " + RP.fmtTime(e.at) })),
      el("span", { class: "msg-text", text: d.text }));
  }

  function renderChannels() {
    var v = S.view;
    var panel = $("panel-channels");
    var chans = v.channels || [];
    var key = chans.map(function (c) { return c.id; }).join(",") + "|" + v.table.id;
    if (S.chatKey !== key) {
      S.chatKey = key;
      if (!S.channel || !chans.some(function (c) { return c.id === S.channel; }))
        S.channel = chans.length > 1 ? chans[1].id : (chans[0] && chans[0].id);
      fill(panel,
        el("div", { class: "pills", role: "group", "aria-label": "Channels", id: "channel-pills" }),
        chans.map(function (c) {
          var form = el("form", { class: "chat-form", id: "chat-form-" + c.id },
            el("label", { for: "chat-input-" + c.id, class: "sr-only", text: "Message to " + c.name }),
            el("input", { type: "text", id: "chat-input-" + c.id, maxlength: "1000", autocomplete: "off",
              placeholder: "Message…" }),
            el("button", { type: "submit", class: "button primary", id: "chat-send-" + c.id }, "Send"));
          form.addEventListener("submit", function (e) {
            e.preventDefault();
            var input = $("chat-input-" + c.id);
            var text = input.value.trim();
            if (!text) return;
            input.value = "";
            conn.command("chat", { channel: c.id, text: text }).catch(function (err) {
              input.value = text;
              RP.toast((err && err.message) || "Not sent.", "bad");
            });
          });
          return el("section", { class: "channel card", id: "channel-" + c.id, "aria-labelledby": "channel-title-" + c.id },
            el("h2", { class: "section-title", id: "channel-title-" + c.id, text: c.name }),
            el("p", { class: "help", id: "channel-desc-" + c.id }),
            el("p", { class: "closed-note", id: "channel-closed-" + c.id, hidden: true }),
            el("div", { class: "chat-log", id: "chat-log-" + c.id, role: "log", "aria-live": "polite",
              "aria-label": "Messages in " + c.name }),
            form);
        }));
      chans.forEach(function (c) {
        fill($("chat-log-" + c.id), myChats(c.id).map(chatLine));
      });
    }
    var pills = $("channel-pills");
    keepFocus(function () {
      fill(pills, chans.map(function (c) {
        var n = S.unread[c.id] || 0;
        return el("button", { type: "button", class: "pill" + (c.open ? "" : " closed"), id: "pill-" + c.id,
          "aria-pressed": S.channel === c.id ? "true" : "false",
          on: { click: function () { S.channel = c.id; S.unread[c.id] = 0; renderChannels(); updateBadges(); scrollChat(c.id); } } },
          shortChannel(c.name),
          c.open ? null : el("span", { class: "pill-closed", text: " · closed" }),
          n ? el("span", { class: "badge", "aria-label": n + " unread", text: String(n) }) : null);
      }));
    });
    var canChat = allowed("chat");
    chans.forEach(function (c) {
      var sec = $("channel-" + c.id);
      sec.hidden = S.channel !== c.id;
      sec.classList.toggle("closed", !c.open);
      var members = (c.members || []).map(shortRole).join(", ");
      $("channel-desc-" + c.id).textContent = (c.description ? c.description + " " : "") +
        (c.id === "team" ? "Only the players sharing your seat." : members ? "Members now: " + members + "." : "");
      var note = $("channel-closed-" + c.id);
      var closedText = !c.open ? (c.closed_note || "This channel is closed at your table.") :
        !canChat ? (S.view.game.status === "lobby" ? "Chat opens when the game starts." : "Chat is not open in this phase.") : "";
      note.hidden = !closedText;
      note.textContent = closedText;
      $("chat-input-" + c.id).disabled = !c.open || !canChat;
      $("chat-send-" + c.id).disabled = !c.open || !canChat;
    });
  }

  function shortChannel(name) {
    var i = name.indexOf(" (");
    var n = i > 0 ? name.slice(0, i) : name;
    return n.replace(/ channel$/i, "");
  }

  function scrollChat(cid) {
    var log = $("chat-log-" + cid);
    if (log) log.scrollTop = log.scrollHeight;
  }

  function addChat(e) {
    var log = $("chat-log-" + e.data.channel);
    if (!log || !S.view || !S.view.table || e.data.table !== S.view.table.id) return;
    var nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
    log.appendChild(chatLine(e));
    if (nearBottom) scrollChat(e.data.channel);
    var mine = S.me && e.data.name === S.me.name;
    if (!mine && (S.tab !== "channels" || S.channel !== e.data.channel || document.hidden)) {
      S.unread[e.data.channel] = (S.unread[e.data.channel] || 0) + 1;
    }
  }

  // -- actions ------------------------------------------------------------------------------------
  function renderActions() {
    var v = S.view, role = v.role;
    var panel = $("panel-actions");
    var canAct = allowed("act");
    var prevTargets = {};
    panel.querySelectorAll("select[id^=target-]").forEach(function (s) { prevTargets[s.id] = s.value; });
    var mine = S.events.filter(function (e) {
      return e.type === "action_taken" && e.data.role === role.id && e.data.table === v.table.id;
    });
    keepFocus(function () {
      fill(panel,
        el("h2", { class: "section-title", text: "Your actions" }),
        el("p", { class: "summary-line" },
          el("span", { class: "chip", text: "Left this phase: " + role.actions_left }),
          role.budget ? el("span", { class: "chip", text: "Influence budget: " + RP.fmtPoints(role.budget_left) + " of " + RP.fmtPoints(role.budget) }) : null,
          !canAct ? el("span", { class: "chip muted", text: v.game.status === "running" ? "Not in this phase" : "Not now" }) : null),
        (v.actions || []).length ? null : el("p", { class: "muted", text: "Your role has no actions in this scenario." }),
        (v.actions || []).map(function (a) {
          var why = !canAct ? null : !a.in_phase ? "Not available in this phase." :
            a.uses_left === 0 ? "Used up." : role.actions_left <= 0 ? "No actions left this phase." :
            a.budget_cost > role.budget_left + 1e-9 ? "Your budget cannot cover it." : null;
          var ok = canAct && !why;
          var facts = [];
          if (a.cost) facts.push("Costs you " + RP.fmtPoints(a.cost) + (a.cost === 1 ? " point" : " points"));
          if (a.budget_cost) facts.push("Budget " + RP.fmtPoints(a.budget_cost));
          facts.push(a.uses_left === null || a.uses_left === undefined ? "No limit" : "Uses left: " + a.uses_left);
          var target = a.targets.length ? el("div", { class: "field" },
            el("label", { for: "target-" + a.id, text: "Target" }),
            el("select", { id: "target-" + a.id }, a.targets.map(function (t) { return el("option", { value: t, text: t.replace(/_/g, " ") }); }))) : null;
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
          el("h3", { text: "Taken at your table" }),
          el("ul", { class: "plain" }, mine.map(function (e) {
            return el("li", { text: e.data.title + (e.data.target ? " → " + String(e.data.target).replace(/_/g, " ") : "") + " (" + e.data.name + ", " + RP.fmtTime(e.at) + ")" });
          }))) : null);
      Object.keys(prevTargets).forEach(function (id) { if ($(id)) $(id).value = prevTargets[id]; });
    });
  }

  // -- events: banners and the timeline -------------------------------------------------------------
  function describe(e) {
    var d = e.data || {};
    switch (e.type) {
      case "phase_started": return { title: "Now: " + d.title, text: d.minutes ? d.minutes + " minutes" : "" };
      case "paused": return { title: "The game is paused", text: "" };
      case "resumed": return { title: "The game resumed", text: "" };
      case "extended": return { title: "More time: +" + RP.mmss(d.seconds), text: "" };
      case "event_fired": return { title: d.title, text: d.text + (d.source ? " (" + d.source + ")" : ""), kind: "news" };
      case "message": return { title: "From your instructor", text: d.text, kind: "instructor" };
      case "proposal_made": return { title: shortRole(d.role) + " put a package on the table", text: "Proposed by " + d.name + "." };
      case "signed": return { title: shortRole(d.role) + " signed " + proposalName(d.proposal), text: "" };
      case "refused": return { title: shortRole(d.role) + " refused to sign", text: "" };
      case "table_settled": return d.outcome === "deal" ? { title: "Agreement signed", text: "", kind: "good" } :
        { title: "No agreement", text: S.view && S.view.table && S.view.table.id === d.table ?
          reasonText(S.view.table) + "." : "", kind: "bad" };
      case "linkage_declared": return { title: shortRole(d.role) + " declared a linkage",
        text: "No agreement on " + ((issue(d.issue) || {}).title || d.issue) + " unless " + optionLabel(d.requires) + "." };
      case "action_taken": return { title: shortRole(d.role) + ": " + d.title,
        text: (d.target ? "Target: " + String(d.target).replace(/_/g, " ") + ". " : "") + "By " + d.name + "." };
      case "private_effect": {
        var eff = d.effects || {}, bits = [];
        Object.keys(eff.batna || {}).forEach(function (r) { bits.push("your BATNA " + RP.signed(eff.batna[r])); });
        Object.keys(eff.points || {}).forEach(function (r) { bits.push("your points " + RP.signed(eff.points[r])); });
        return { title: "Confidential: " + (d.reason || "a change"), text: bits.join(", ") + "." };
      }
      case "openings_revealed": return { title: "Opening positions revealed", text: "See the history on Negotiate." };
      case "opening_submitted": return { title: "Your side's opening position is in", text: "The table sees both openings when this phase ends." };
      case "seat_assigned": return { title: d.name + " sits at table " + d.table, text: "as " + shortRole(d.role) + "." };
      case "results_released": return { title: "Results are out", text: "See Negotiate.", kind: "good" };
      case "game_finished": return { title: "The game is over", text: "" };
      case "step_started": return { title: "Next scenario: " + d.title, text: carriedText() };
      case "threshold_crossed": return { title: d.title, text: d.text || "", kind: "news" };
      case "lobby_locked": return { title: d.locked ? "Lobby locked" : "Lobby open", text: "" };
      case "seat_notice": return { title: "Your seat", text: d.text, kind: "instructor" };
      case "batna_guessed": return { title: "Your side estimated the " + shortRole(d.about) + "'s BATNA", text: RP.fmtPoints(d.guess) + " points, by " + d.name + "." };
      default: return null;
    }
  }

  var BANNER_TYPES = { event_fired: 1, message: 1, phase_started: 1, results_released: 1,
    private_effect: 1, paused: 1, resumed: 1, extended: 1, game_finished: 1, step_started: 1,
    seat_notice: 1, threshold_crossed: 1 };

  // what the table carried from the campaign's previous step (the server words it)
  function carriedText() {
    var c = (S.view && S.view.table && S.view.table.carried) || [];
    return c.map(function (x) {
      return x.label + ": " + RP.fmtPoints(x.value) + (x.effects.length ? " (" + x.effects.join(", ") + ")" : "");
    }).join("; ");
  }

  function banner(e) {
    var info = describe(e);
    if (!info) return;
    if (e.type === "seat_notice") S.noticeSeen = Math.max(S.noticeSeen || 0, e.seq || 0);
    var urgent = e.type === "message" || e.type === "event_fired" || e.type === "table_settled";
    showBanner(info, e.type === "message" || e.type === "event_fired" ? "alert" : null, urgent ? 30000 : 8000);
  }

  function showBanner(info, role, keep, id) {
    var box = $("banners");
    if (id && $(id)) $(id).remove();
    var b = el("div", { class: "banner " + (info.kind || ""), role: role, id: id || null },
      el("div", { class: "banner-body", title: "Open the events", on: { click: function () {
        selectTab($("tab-events")); S.tab = "events"; S.eventsUnread = 0; updateBadges(); renderEvents(); } } },
        el("strong", { text: info.title }),
        info.text ? el("span", { text: " " + info.text }) : null),
      el("button", { type: "button", class: "banner-close", "aria-label": "Dismiss",
        on: { click: function () { b.remove(); } } }, "×"));
    box.appendChild(b);
    while (box.children.length > 2) box.removeChild(box.firstChild);
    setTimeout(function () { if (b.parentNode) b.remove(); }, keep);
  }

  /** Banners for what the new view says changed: the other side signed, or the table ended. */
  function viewBanners(before) {
    var t = S.view.table;
    var others = othersSigned();
    if (others.length && others.join(",") !== before.signed && t.signatures[S.view.role.id] !== t.current)
      showBanner({ title: signedNoticeText(others), text: "", kind: "instructor" }, "alert", 30000, "banner-signed");
    if (before.outcome === "open" && t.outcome !== "open") {
      showBanner(t.outcome === "deal" ? { title: "Agreement signed", text: "", kind: "good" } :
        { title: "No agreement:", text: reasonText(t) + ".", kind: "bad" }, "alert", 30000, "banner-settled");
    }
  }

  function renderEvents() {
    var panel = $("panel-events");
    var items = S.events.filter(function (e) {
      if (e.type === "chat" || e.type === "player_joined") return false;
      if (e.data && e.data.table !== undefined && e.data.table !== null && S.view.table && e.data.table !== S.view.table.id) return false;
      return !!describe(e);
    }).slice().reverse();
    fill(panel,
      el("h2", { class: "section-title", text: "Timeline" }),
      items.length ? el("ol", { class: "plain timeline" }, items.map(function (e) {
        var info = describe(e);
        return el("li", { class: "tl " + (info.kind || "") },
          el("span", { class: "tl-time", text: RP.fmtTime(e.at) }),
          el("span", { class: "tl-body" },
            el("strong", { text: info.title }),
            info.text ? el("span", { class: "tl-text", text: info.text }) : null));
      })) : el("p", { class: "muted", text: "Nothing has happened yet." }));
  }

  function updateBadges() {
    var n = 0;
    Object.keys(S.unread).forEach(function (k) { n += S.unread[k]; });
    var b = $("badge-channels");
    b.hidden = !n;
    b.textContent = String(n);
    b.setAttribute("aria-label", n + " unread");
    var be = $("badge-events");
    be.hidden = !S.eventsUnread;
    be.textContent = String(S.eventsUnread);
    be.setAttribute("aria-label", S.eventsUnread + " new");
  }

  // -- tabs -------------------------------------------------------------------------------------------
  var selectTab = RP.tabs(document.querySelector(".tabs"), function (btn) {
    S.tab = btn.id.replace("tab-", "");
    selectTab(btn);
    if (S.tab === "channels" && S.channel) { S.unread[S.channel] = 0; scrollChat(S.channel); }
    if (S.tab === "events") S.eventsUnread = 0;
    updateBadges();
    window.scrollTo(0, 0);
  });

  // -- receiving ---------------------------------------------------------------------------------------
  function take(events, live) {
    var fresh = [];
    (events || []).forEach(function (e) {
      if (S.seqs[e.seq]) return;
      S.seqs[e.seq] = true;
      S.events.push(e);
      if (e.seq > S.lastSeq) S.lastSeq = e.seq;
      fresh.push(e);
    });
    if (!fresh.length) return;
    S.events.sort(function (a, b) { return a.seq - b.seq; });
    fresh.forEach(function (e) {
      if (e.type === "chat") { if (S.view && S.view.table) addChat(e); }
      else if (e.type === "player_kicked" && S.me && e.data.player === S.me.id) kicked("You were removed from this game by the instructor.");
      else if (describe(e) && e.type !== "player_joined") {
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
    if (v.me && v.me.kicked) { kicked("You were removed from this game by the instructor."); return; }
    if (!seated()) {
      show("screen-waiting");
      $("waiting-game").textContent = v.game.title;
      $("waiting-title").textContent = "Welcome, " + (S.me ? S.me.name : (v.me ? v.me.name : ""));
      $("waiting-text").textContent = v.game.status === "finished" ? "This game is over." :
        "Waiting for your instructor to give you a seat…";
      $("waiting-seat").hidden = true;
      return;
    }
    show("screen-game");
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
    if (conn) conn.socket.disconnect();
    $("top-role").textContent = "";
    $("top-table").textContent = "";
    $("top-phase").textContent = "";
    $("clock").hidden = true;
    $("banners").textContent = "";
    message("You are no longer in this game", text, "/join/" + encodeURIComponent(code));
  }

  var conn = RP.connect(function () {
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
        banner({ type: "seat_notice", seq: data.me.notice.seq, data: { text: data.me.notice.text } });
      }
    },
    view: function (data) {
      // views are built after the events are sent, and a worker may send one late:
      // one from an older state than the page's waits for the next
      if (S.view && data.view.game.seq < S.view.game.seq) return;
      var oldTable = S.view && S.view.table ? S.view.table.id : null;
      var hadResults = !!(S.view && S.view.game.results_visible);
      var before = S.view && S.view.table && S.view.role ? { table: S.view.table.id, outcome: S.view.table.outcome,
        signed: S.view.table.current !== null ? othersSigned().join(",") : "" } : null;
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
      if (before && seated() && before.table === S.view.table.id) viewBanners(before);
      if (!hadResults && S.view.game.results_visible && seated()) {
        // the results just came out: show them (once)
        selectTab($("tab-negotiate"));
        S.tab = "negotiate";
        window.scrollTo(0, 0);
      }
    },
    events: function (data) {
      take(data.events, true);
      if (S.view) { renderEvents(); if (seated()) { renderActions(); renderChannels(); } updateBadges(); }
    },
    resync: function () { restart(); },
    kicked: function (data) { kicked(data.message || "You were removed from this game."); },
    // merged into another player's seat by the instructor: this browser's token now opens
    // that seat, so reconnect (the server closes this socket) and start from its log
    reseated: function () {
      S.events = []; S.seqs = {}; S.lastSeq = 0; S.me = null; S.chatKey = null; S.structureKey = null;
      saveLog();
      conn.socket.disconnect();
      conn.socket.connect();
    },
    error: function (data) { RP.toast(data.message || "Something went wrong.", "bad"); },
    refused: function () {
      if (S.kicked) return;
      store.del(KEY);
      message("This seat is no longer yours", "The server did not recognise this browser for this game. Join again with the code.",
        "/join/" + encodeURIComponent(code));
    },
  });

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
    conn.sync(0);
  }

  message("Connecting…", "Getting your seat at the table.");
  window.addEventListener("pageshow", function () { clock.render(); });
  // tests and curious students: the page's state, read-only
  window.__roleplay = { state: function () {
    return { lastSeq: S.lastSeq, events: S.events.length, me: S.me,
      role: S.view && S.view.role ? S.view.role.id : null, table: S.view && S.view.table ? S.view.table.id : null };
  } };
})();
