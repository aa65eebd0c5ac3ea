// i18n.js: placeholders filled from args, the message itself otherwise.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ngettext, t } from "../../roleplay/web/static/i18n.js";

test("t returns the message when there is nothing to substitute", () => {
  assert.equal(t("Sign"), "Sign");
  assert.equal(t("Costs %(n)s points"), "Costs %(n)s points");
});

test("t substitutes each named placeholder, every time it occurs", () => {
  assert.equal(t("%(role)s signed proposal %(n)s; %(role)s waits", { role: "EU", n: 2 }),
    "EU signed proposal 2; EU waits");
});

test("t leaves a placeholder with no arg as it is and reads no inherited key", () => {
  assert.equal(t("%(a)s and %(b)s", { a: "x" }), "x and %(b)s");
  assert.equal(t("%(toString)s", {}), "%(toString)s");
});

test("t prints zero, false and empty args, not the placeholder", () => {
  assert.equal(t("[%(n)s|%(f)s|%(e)s]", { n: 0, f: false, e: "" }), "[0|false|]");
});

test("ngettext picks the form by n and substitutes n", () => {
  assert.equal(ngettext("%(n)s player", "%(n)s players", 1), "1 player");
  assert.equal(ngettext("%(n)s player", "%(n)s players", 0), "0 players");
  assert.equal(ngettext("%(n)s player", "%(n)s players", 3), "3 players");
  assert.equal(ngettext("%(n)s seat at %(t)s", "%(n)s seats at %(t)s", 2, { t: "table 1" }), "2 seats at table 1");
});

test("a catalog translates, and Russian takes its three plural forms by Intl's category", async () => {
  const { useCatalog, locale } = await import("../../roleplay/web/static/i18n.js");
  useCatalog({ locale: "ru", plural: { one: 0, few: 1, many: 2, other: 2 }, messages: {
    "Sign": "Подписать",
    "%(n)s player": ["%(n)s игрок", "%(n)s игрока", "%(n)s игроков"],
  } });
  assert.equal(locale(), "ru");
  assert.equal(t("Sign"), "Подписать");
  assert.equal(t("Not in the catalog %(x)s", { x: 1 }), "Not in the catalog 1");
  assert.deepEqual([1, 2, 5, 11, 21, 22, 25].map((n) => ngettext("%(n)s player", "%(n)s players", n)),
    ["1 игрок", "2 игрока", "5 игроков", "11 игроков", "21 игрок", "22 игрока", "25 игроков"]);
  useCatalog({ locale: "en", plural: { one: 0, other: 1 }, messages: {} });
});

test("tm says a server text part by part: nested texts, joins and counts", async () => {
  const { tm, useCatalog } = await import("../../roleplay/web/static/i18n.js");
  useCatalog({ locale: "ru", plural: { one: 0, few: 1, many: 2, other: 2 }, messages: {
    "%(first)s and %(last)s": "%(first)s и %(last)s", "once": "один раз",
    "costs you %(n)s point": ["стоит вам %(n)s балл", "стоит вам %(n)s балла", "стоит вам %(n)s баллов"] } });
  try {
    const text = { join: "; ", items: [
      { msg: "costs you %(n)s point", plural: "costs you %(n)s points", n: 2, args: { n: "2" } },
      { msg: "once", args: {} },
      { msg: "lets %(roles)s in", args: { roles: { msg: "%(first)s and %(last)s", args: { first: "EU", last: "CSO" } } } }] };
    assert.equal(tm(text), "стоит вам 2 балла; один раз; lets EU и CSO in");
    assert.equal(tm("plain"), "plain");
    assert.equal(tm(null), "");
  } finally {
    useCatalog({ locale: "en", plural: { one: 0, other: 1 }, messages: {} });
  }
});
