/* The scenario in the student's language: the server builds the view in it (issue 16) and
 * says what falls back to English (`view.translation`); this shows that notice, and puts
 * the texts events carry (titles, news, action names: English in the log) in the
 * student's language through the view's `log_texts`. */
import { $ } from "../dom.js";
import { t } from "../i18n.js";

/** Show or hide "not translated: shown in English" above the panels. */
export function renderTranslationNotice(v) {
  var box = $("translation-notice");
  if (!box) return;
  var n = v && v.translation && v.translation.notice;
  box.hidden = !n;
  box.textContent = n ? t(n.msg, n.args) : "";
}

var FIELDS = ["title", "text", "reason"];

/** The event with the scenario texts of its data in the view's language (a copy). */
export function inLanguage(v, e) {
  var texts = v && v.log_texts;
  if (!texts || !e || !e.data) return e;
  var data = Object.assign({}, e.data), changed = false;
  FIELDS.forEach(function (k) {
    if (typeof data[k] === "string" && Object.prototype.hasOwnProperty.call(texts, data[k])) {
      data[k] = texts[data[k]];
      changed = true;
    }
  });
  return changed ? Object.assign({}, e, { data: data }) : e;
}
