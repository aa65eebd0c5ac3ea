// format.js and clock.js: numbers, times and the clock face as the pages print them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { clockFace } from "../../roleplay/web/static/clock.js";
import { fmtPoints, fmtTime, mmss, randomId, scoreText, signed, typeLabel } from "../../roleplay/web/static/format.js";

test("points: one decimal at most, a dash for nothing", () => {
  assert.equal(fmtPoints(12), "12");
  assert.equal(fmtPoints(12.345), "12.3");
  assert.equal(fmtPoints(-0.06), "-0.1");
  for (const none of [null, undefined, NaN]) assert.equal(fmtPoints(none), "–");
  assert.equal(signed(5), "+5");
  assert.equal(signed(-5), "-5");
  assert.equal(signed(0), "0");
  assert.equal(scoreText(null), "–");
  assert.equal(scoreText(0), "0");
});

test("minutes and seconds", () => {
  assert.equal(mmss(0), "0:00");
  assert.equal(mmss(65), "1:05");
  assert.equal(mmss(600), "10:00");
  assert.equal(mmss(undefined), "0:00");
});

test("table types as the debrief names them", () => {
  assert.equal(typeLabel("cherry_picking"), "cherry-picking");
  assert.equal(typeLabel("tailor_made_partnership"), "tailor-made partnership");
  assert.equal(typeLabel("some_new_type"), "some new type");
  assert.equal(typeLabel(null), "");
});

test("command ids are 24 hex digits and differ", () => {
  const a = randomId(), b = randomId();
  assert.match(a, /^[0-9a-f]{24}$/);
  assert.notEqual(a, b);
});

test("the clock counts down on the server's time, whatever the local clock says", () => {
  const now = 1000;
  // the local clock is 50 s behind the server's: offset +50
  const face = clockFace({ status: "running", deadline: 1350, server_time: 1050 }, now, 50);
  assert.equal(face.text, "5:00");
  assert.equal(face.warn, false);
  assert.equal(face.label, "5:00 left in this phase");
  const late = clockFace({ status: "running", deadline: 1095 }, now, 50);
  assert.equal(late.text, "0:45");
  assert.equal(late.warn, true);
  assert.equal(clockFace({ status: "running", deadline: 900 }, now, 0).text, "0:00");
});

test("the clock when paused, over, in the lobby or without a deadline", () => {
  const paused = clockFace({ status: "paused", remaining: 30 }, 0, 0);
  assert.deepEqual([paused.text, paused.paused, paused.warn, paused.label], ["0:30", true, false, "Paused, 0:30 left"]);
  assert.equal(clockFace({ status: "finished" }, 0, 0).text, "Ended");
  assert.equal(clockFace({ status: "lobby" }, 0, 0).text, "Lobby");
  assert.equal(clockFace({ status: "running", deadline: null }, 0, 0).text, "--:--");
  assert.equal(clockFace(null, 0, 0).label, "--:--");
});

test("a clock time is 24-hour HH:MM in the page's locale", () => {
  const noon = Date.UTC(2026, 11, 2, 13, 5) / 1000;
  const text = fmtTime(noon);
  assert.match(text, /^\d{2}:\d{2}$/);
  assert.equal(text, new Date(noon * 1000).toLocaleTimeString("en", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }));
});
