/* The dashboard's seat repairs (docs/security.md, "Identity"): hand a seat to a student who
 * joins under another name, or merge a student who joined twice into their first seat.
 * The server decides (commands `hand` and `merge`); this only lists the view's players.
 * instructor.js calls renderSeatRepair(view, send) after each render. */
import { el, fill, toast, $ } from "./dom.js";
import { t } from "./i18n.js";

var key = null;

function label(p, roleName) {
  var seat = " · " + (p.table ? t("table %(table)s, %(role)s", { table: p.table, role: roleName(p.role) }) : t("no seat"));
  var away = p.online === false ? " (" + t("offline") + ")" : "";
  return p.name + seat + away;
}

export function renderSeatRepair(view, send) {
  var box = $("seat-repair-body");
  if (!box) return;
  var roles = {};
  (view.roles || []).forEach(function (r) { var k = r.name.indexOf(" ("); roles[r.id] = k > 0 ? r.name.slice(0, k) : r.name; });
  var roleName = function (id) { return roles[id] || id; };
  var players = view.players.filter(function (p) { return !p.kicked; });
  // rebuild only when who is there, where, or online changes: keep the instructor's choices
  var now = JSON.stringify(players.map(function (p) { return [p.id, p.name, p.table, p.role, p.online, p.handed]; }));
  if (now === key) return;
  key = now;
  var keepPrev = $("merge-keep") ? $("merge-keep").value : "";
  var absorbPrev = $("merge-absorb") ? $("merge-absorb").value : "";
  var handPrev = $("hand-player") ? $("hand-player").value : "";
  var handName = $("hand-name") ? $("hand-name").value : "";
  var options = function () {
    return players.map(function (p) { return el("option", { value: p.id, text: label(p, roleName) }); });
  };
  var handSel = el("select", { id: "hand-player" }, options());
  var nameIn = el("input", { id: "hand-name", maxlength: "32", autocomplete: "off" });
  var keepSel = el("select", { id: "merge-keep" }, options());
  var absorbSel = el("select", { id: "merge-absorb" }, options());
  var pending = players.filter(function (p) { return p.handed; });
  fill(box,
    el("form", { class: "inline-form", id: "hand-form", on: { submit: function (e) {
      e.preventDefault();
      var name = nameIn.value.trim();
      if (!name) { nameIn.focus(); return; }
      send("hand", { player: handSel.value, name: name }, $("hand-submit"),
        t("The next student to join as %(name)s gets this seat.", { name: name }));
    } } },
      el("div", { class: "field" }, el("label", { for: "hand-player", text: t("Seat of") }), handSel),
      el("div", { class: "field" }, el("label", { for: "hand-name", text: t("goes to whoever joins as") }), nameIn),
      el("button", { type: "submit", class: "button", id: "hand-submit", text: t("Hand the seat") })),
    el("form", { class: "inline-form", id: "merge-form", on: { submit: function (e) {
      e.preventDefault();
      if (keepSel.value === absorbSel.value) { toast(t("Choose two different players."), "bad"); return; }
      send("merge", { keep: keepSel.value, absorb: absorbSel.value }, $("merge-submit"), t("Merged."));
    } } },
      el("div", { class: "field" }, el("label", { for: "merge-absorb", text: t("The student now playing as") }), absorbSel),
      el("div", { class: "field" }, el("label", { for: "merge-keep", text: t("takes back the seat of") }), keepSel),
      el("button", { type: "submit", class: "button", id: "merge-submit", text: t("Merge") })),
    pending.length ? el("p", { class: "help", id: "hand-pending", text: t("Waiting for their new name: ") +
      pending.map(function (p) { return p.name; }).join(", ") + "." }) : null);
  if (handPrev) handSel.value = handPrev;
  nameIn.value = handName;
  if (keepPrev) keepSel.value = keepPrev;
  if (absorbPrev) absorbSel.value = absorbPrev;
}
