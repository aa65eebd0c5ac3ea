/* The student page's state: what the server sent (me, view, events) and what this browser
 * keeps (the tab, the draft package, unread counts), with the copies in localStorage:
 * the token under roleplay:<game>, the events seen so far under roleplay:<game>:log, so a
 * reload asks only for what it missed (last_seq). */

var body = document.body;
export var gameId = body.dataset.game;
export var code = body.dataset.code || "";
export var KEY = "roleplay:" + gameId;
export var LOG_KEY = KEY + ":log";
export var DRAFT_KEY = KEY + ":draft";
export var STEP_KEY = KEY + ":step-read";
var MAX_LOG = 1500;

export var store = {
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
export var token = store.get(KEY);

export var S = {
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
export function saveLog() {
  clearTimeout(saveTimer);
  saveTimer = null;
  if (S.kicked) return;
  var keep = S.events.slice(-MAX_LOG);
  store.set(LOG_KEY, JSON.stringify({ seq: S.lastSeq, events: keep }));
}
/** Writing the whole log on every chat line is slow on phones: at most once a second. */
export function saveLogSoon() {
  if (!saveTimer) saveTimer = setTimeout(saveLog, 1000);
}
window.addEventListener("pagehide", function () { if (saveTimer && !S.kicked) saveLog(); });

/** The draft package, kept for a reload. */
export function saveDraft() {
  store.set(DRAFT_KEY, JSON.stringify(S.draft));
}
