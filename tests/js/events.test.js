// events.js: merging received events into a page's state.
import assert from "node:assert/strict";
import { test } from "node:test";
import { takeEvents } from "../../roleplay/web/static/events.js";

const state = () => ({ events: [], seqs: {}, lastSeq: 0 });
const ev = (seq) => ({ seq, type: "chat", data: {} });

test("events are kept once each, in seq order, whatever order they come in", () => {
  const S = state();
  assert.deepEqual(takeEvents(S, [ev(3), ev(1)]).map((e) => e.seq), [3, 1]);
  assert.deepEqual(takeEvents(S, [ev(2), ev(3), ev(1)]).map((e) => e.seq), [2]);
  assert.deepEqual(S.events.map((e) => e.seq), [1, 2, 3]);
  assert.equal(S.lastSeq, 3);
});

test("a resync's whole log fills a gap without doubling what was there", () => {
  const S = state();
  takeEvents(S, [ev(1), ev(4)]);
  const fresh = takeEvents(S, [1, 2, 3, 4].map(ev));
  assert.deepEqual(fresh.map((e) => e.seq), [2, 3]);
  assert.deepEqual(S.events.map((e) => e.seq), [1, 2, 3, 4]);
});

test("nothing, or nothing new, changes nothing", () => {
  const S = state();
  assert.deepEqual(takeEvents(S, undefined), []);
  takeEvents(S, [ev(5)]);
  assert.deepEqual(takeEvents(S, [ev(5)]), []);
  assert.equal(S.lastSeq, 5);
  assert.equal(S.events.length, 1);
});

test("keep: only the latest events stay (the projector keeps 200)", () => {
  const S = state();
  takeEvents(S, [5, 1, 4, 2, 3].map(ev), 3);
  assert.deepEqual(S.events.map((e) => e.seq), [3, 4, 5]);
  assert.equal(S.lastSeq, 5);
});
