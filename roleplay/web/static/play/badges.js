/* The unread counts on the Channels and Events tabs. */
import { $ } from "../dom.js";
import { S } from "./state.js";

export function updateBadges() {
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
