// play/translation.js: the scenario texts an event carries (English in the log) in the
// student's language, through the view's `log_texts` (issue 16).
import assert from "node:assert/strict";
import { test } from "node:test";
import { describeForStudent } from "../../roleplay/web/static/describe.js";
import { inLanguage } from "../../roleplay/web/static/play/translation.js";

const view = { log_texts: { "Crackdown on critics": "Репрессии против критиков",
  "The authorities harass journalists.": "Власти преследуют журналистов.",
  "Negotiation": "Переговоры" } };

test("an event's scenario texts come in the view's language, the rest as sent", () => {
  const e = { type: "event_fired", seq: 4, data: { title: "Crackdown on critics",
    text: "The authorities harass journalists.", source: "expert interview 3" } };
  const out = inLanguage(view, e);
  assert.equal(out.data.title, "Репрессии против критиков");
  assert.equal(out.data.text, "Власти преследуют журналистов.");
  assert.equal(out.data.source, "expert interview 3");
  assert.equal(e.data.title, "Crackdown on critics", "the stored event is not changed");
  assert.equal(describeForStudent(view, e).title, "Репрессии против критиков");
  const phase = describeForStudent(view, { type: "phase_started", data: { title: "Negotiation", minutes: 10 } });
  assert.match(phase.title, /Переговоры/);
});

test("without log_texts, or a text it does not hold, the event is the same object", () => {
  const e = { type: "message", data: { text: "Hello" } };
  assert.equal(inLanguage({}, e), e);
  assert.equal(inLanguage(view, e), e);
  assert.equal(inLanguage(null, e), e);
});
