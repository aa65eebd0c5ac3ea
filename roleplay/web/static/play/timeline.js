/* The Events panel (the timeline) and the banners over the page for what just happened. */
import { describeForStudent } from "../describe.js";
import { el, fill, $ } from "../dom.js";
import { fmtTime } from "../format.js";
import { app } from "./app.js";
import { updateBadges } from "./badges.js";
import { othersSigned, reasonText, signedNoticeText } from "./selectors.js";
import { S } from "./state.js";
import { t } from "../i18n.js";

export function banner(e) {
  var info = describeForStudent(S.view, e);
  if (!info) return;
  if (e.type === "seat_notice") S.noticeSeen = Math.max(S.noticeSeen || 0, e.seq || 0);
  var urgent = e.type === "message" || e.type === "event_fired" || e.type === "table_settled";
  showBanner(info, e.type === "message" || e.type === "event_fired" ? "alert" : null, urgent ? 30000 : 8000);
}

export function showBanner(info, role, keep, id) {
  var box = $("banners");
  if (id && $(id)) $(id).remove();
  var b = el("div", { class: "banner " + (info.kind || ""), role: role, id: id || null },
    el("div", { class: "banner-body", title: t("Open the events"), on: { click: function () {
      app.selectTab($("tab-events")); S.tab = "events"; S.eventsUnread = 0; updateBadges(); renderEvents(); } } },
      el("strong", { text: info.title }),
      info.text ? el("span", { text: " " + info.text }) : null),
    el("button", { type: "button", class: "banner-close", "aria-label": t("Dismiss"),
      on: { click: function () { b.remove(); } } }, "×"));
  box.appendChild(b);
  while (box.children.length > 2) box.removeChild(box.firstChild);
  setTimeout(function () { if (b.parentNode) b.remove(); }, keep);
}

/** Banners for what the new view says changed: the other side signed, or the table ended. */
export function viewBanners(before) {
  var tb = S.view.table;
  var others = othersSigned(S.view);
  if (others.length && others.join(",") !== before.signed && tb.signatures[S.view.role.id] !== tb.current)
    showBanner({ title: signedNoticeText(S.view, others), text: "", kind: "instructor" }, "alert", 30000, "banner-signed");
  if (before.outcome === "open" && tb.outcome !== "open") {
    showBanner(tb.outcome === "deal" ? { title: t("Agreement signed"), text: "", kind: "good" } :
      { title: t("No agreement:"), text: reasonText(tb) + ".", kind: "bad" }, "alert", 30000, "banner-settled");
  }
}

export function renderEvents() {
  var panel = $("panel-events");
  var items = S.events.filter(function (e) {
    if (e.type === "chat" || e.type === "player_joined") return false;
    if (e.data && e.data.table !== undefined && e.data.table !== null && S.view.table && e.data.table !== S.view.table.id) return false;
    return !!describeForStudent(S.view, e);
  }).slice().reverse();
  fill(panel,
    el("h2", { class: "section-title", text: t("Timeline") }),
    items.length ? el("ol", { class: "plain timeline" }, items.map(function (e) {
      var info = describeForStudent(S.view, e);
      return el("li", { class: "tl " + (info.kind || "") },
        el("span", { class: "tl-time", text: fmtTime(e.at) }),
        el("span", { class: "tl-body" },
          el("strong", { text: info.title }),
          info.text ? el("span", { class: "tl-text", text: info.text }) : null));
    })) : el("p", { class: "muted", text: t("Nothing has happened yet.") }));
}
