/* The play page's three screens: a message, the waiting room, the game. */
import { $ } from "../dom.js";
import { t } from "../i18n.js";

export function show(screen) {
  ["screen-message", "screen-waiting", "screen-game"].forEach(function (id) {
    $(id).hidden = id !== screen;
  });
  $("tabs").hidden = screen !== "screen-game";
}

/** A whole-page message: `title` and `text` are msgids (with `args` for their placeholders). */
export function message(title, text, link, args) {
  $("message-title").textContent = t(title, args);
  $("message-text").textContent = t(text, args);
  $("message-action").hidden = !link;
  if (link) $("message-link").href = link;
  show("screen-message");
}
