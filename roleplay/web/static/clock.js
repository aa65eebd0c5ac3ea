/* The phase clock in a page's top bar. */
import { t } from "./i18n.js";

/**
 * The clock's text and state for a game header at local time `nowSeconds`:
 * deadline and remaining are server seconds; offset = server_time - local time at
 * receipt, so a wrong local clock does not matter. Pure.
 */
export function clockFace(game, nowSeconds, offset) {
  var g = game;
  var left = null;
  if (g) {
    if (g.status === "paused") left = g.remaining;
    else if (g.status === "running" && g.deadline !== null && g.deadline !== undefined)
      left = Math.max(0, g.deadline - (nowSeconds + offset));
  }
  var text = "--:--";
  if (left !== null && left !== undefined) {
    var s = Math.ceil(left);
    var m = Math.floor(s / 60);
    text = m + ":" + ("0" + (s % 60)).slice(-2);
  }
  if (g && g.status === "finished") text = t("Ended");
  else if (g && g.status === "lobby") text = t("Lobby");
  var paused = !!(g && g.status === "paused");
  var warn = left !== null && left !== undefined && left <= 60 && !paused && g && g.status === "running";
  var label = paused ? "Paused, " + text + " left" :
    (left !== null && left !== undefined ? text + " left in this phase" : text);
  return { text: text, left: left, paused: paused, warn: !!warn, label: label };
}

/** A clock drawn into `node` twice a second from the latest game header. */
export function Clock(node) {
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
  return clockFace(this.game, Date.now() / 1000, this.offset).left;
};
Clock.prototype.render = function () {
  if (!this.node) return;
  var face = clockFace(this.game, Date.now() / 1000, this.offset);
  this.node.textContent = face.text;
  this.node.classList.toggle("warn", face.warn);
  this.node.classList.toggle("paused", face.paused);
  this.node.setAttribute("aria-label", face.label);
};
