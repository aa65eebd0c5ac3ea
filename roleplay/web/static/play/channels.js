/* The Channels panel: one chat per channel of the table, with pills to switch. */
import { el, fill, keepFocus, toast, $ } from "../dom.js";
import { fmtTime } from "../format.js";
import { app } from "./app.js";
import { updateBadges } from "./badges.js";
import { reasonOf, shortChannel, shortRole } from "./selectors.js";
import { S } from "./state.js";
import { t } from "../i18n.js";

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
      el("span", { class: "muted", text: " · " + shortRole(S.view, d.role) + " · " + fmtTime(e.at) })),
    el("span", { class: "msg-text", text: d.text }));
}

export function renderChannels() {
  var v = S.view;
  var panel = $("panel-channels");
  var chans = v.channels || [];
  var key = chans.map(function (c) { return c.id; }).join(",") + "|" + v.table.id;
  if (S.chatKey !== key) {
    S.chatKey = key;
    if (!S.channel || !chans.some(function (c) { return c.id === S.channel; }))
      S.channel = chans.length > 1 ? chans[1].id : (chans[0] && chans[0].id);
    fill(panel,
      el("div", { class: "pills", role: "group", "aria-label": t("Channels"), id: "channel-pills" }),
      chans.map(function (c) {
        var form = el("form", { class: "chat-form", id: "chat-form-" + c.id },
          el("label", { for: "chat-input-" + c.id, class: "sr-only", text: t("Message to %(channel)s", { channel: c.name }) }),
          el("input", { type: "text", id: "chat-input-" + c.id, maxlength: "1000", autocomplete: "off",
            placeholder: t("Message…") }),
          el("button", { type: "submit", class: "button primary", id: "chat-send-" + c.id }, "Send"));
        form.addEventListener("submit", function (e) {
          e.preventDefault();
          var input = $("chat-input-" + c.id);
          var text = input.value.trim();
          if (!text) return;
          input.value = "";
          app.conn.command("chat", { channel: c.id, text: text }).catch(function (err) {
            input.value = text;
            toast((err && err.message) || "Not sent.", "bad");
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
        c.open ? null : el("span", { class: "pill-closed", text: t(" · closed") }),
        n ? el("span", { class: "badge", "aria-label": n + " unread", text: String(n) }) : null);
    }));
  });
  chans.forEach(function (c) {
    var sec = $("channel-" + c.id);
    sec.hidden = S.channel !== c.id;
    sec.classList.toggle("closed", !c.open);
    var members = (c.members || []).map(function (r) { return shortRole(S.view, r); }).join(", ");
    $("channel-desc-" + c.id).textContent = (c.description ? c.description + " " : "") +
      (c.id === "team" ? t("Only the players sharing your seat.") : members ? "Members now: " + members + "." : "");
    var note = $("channel-closed-" + c.id);
    // why this seat cannot write here now, in the server's words (the channel's own rule
    // first: it says how the role gets in)
    var closedText = (!c.open ? reasonOf(c.closed_reason) : null) || (c.allowed ? "" : reasonOf(c.reason)) || "";
    note.hidden = !closedText;
    note.textContent = closedText;
    $("chat-input-" + c.id).disabled = !c.allowed;
    $("chat-send-" + c.id).disabled = !c.allowed;
  });
}

export function scrollChat(cid) {
  var log = $("chat-log-" + cid);
  if (log) log.scrollTop = log.scrollHeight;
}

export function addChat(e) {
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
