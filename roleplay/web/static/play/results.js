/* The results on the Negotiate panel, once released, and a campaign's earlier scenarios. */
import { el, fill, $ } from "../dom.js";
import { fmtPoints, scoreText, typeLabel } from "../format.js";
import { previousLine, shortRole } from "./selectors.js";
import { S } from "./state.js";
import { formatNumber, t } from "../i18n.js";

function renderPrevious() {
  var c = S.view.campaign;
  var box = $("neg-previous");
  if (!box) return;
  if (!c || !c.previous.length) { fill(box); return; }
  var was = box.querySelector("details");
  fill(box, el("details", { class: "card", id: "previous-results", open: was && was.open ? true : null },
    el("summary", { text: t("Earlier scenarios (%(count)s)", { count: c.previous.length }) }),
    el("ul", { class: "plain" }, c.previous.map(function (x) { return el("li", { text: previousLine(x) }); }))));
}

export function renderResults() {
  var v = S.view;
  var box = $("neg-results");
  renderPrevious();
  if (!v.game.results_visible) { fill(box); return; }
  var res = v.results;
  var tb = v.table, role = v.role;
  var content = [];
  var mine = tb.outcome === "deal" && tb.my_points_deal ? tb.my_points_deal.total : role.batna;
  if (res && res.table) {
    var rt = res.table;
    var own = rt.points && rt.points[role.id] !== undefined ? rt.points[role.id] : mine;
    content.push(el("p", { class: "big-number" }, el("strong", { text: fmtPoints(own) }), " " + t("points for you")),
      el("p", { text: (rt.outcome === "deal" ? t("Your table signed a %(type)s.", { type: typeLabel(rt.type) }) : t("Your table reached no agreement: everyone gets their BATNA.")) +
        (rt.percentile !== null && rt.percentile !== undefined ? " " + t("Your role did better than %(percent)s of the other %(role)s seats.", { percent: formatNumber(Math.round(rt.percentile) / 100, { style: "percent" }), role: shortRole(S.view, role.id) }) : "") }));
    var roles = Object.keys(rt.scores || {});
    content.push(el("table", { class: "data" },
      el("caption", { text: t("Scores at table %(table)s (0 = the BATNA each role started with, 100 = its best package)", { table: rt.id }) }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: t("Role") }), el("th", { scope: "col", text: t("Score") }))),
      el("tbody", {}, roles.map(function (r) {
        return el("tr", { class: r === role.id ? "mine" : "" },
          el("th", { scope: "row", text: shortRole(S.view, r) }),
          el("td", { text: scoreText(rt.scores[r]) }));
      }))));
    if (res.tables && res.tables.length > 1) {
      content.push(el("table", { class: "data" },
        el("caption", { text: t("Every table") }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: t("Table") }), el("th", { scope: "col", text: t("Outcome") }),
          el("th", { scope: "col", text: t("%(role)s score", { role: shortRole(S.view, role.id) }) }))),
        el("tbody", {}, res.tables.map(function (x) {
          return el("tr", { class: x.id === tb.id ? "mine" : "" },
            el("th", { scope: "row", text: t("Table %(table)s", { table: x.id }) }),
            el("td", { text: x.outcome === "deal" ? typeLabel(x.type) : t("no deal") }),
            el("td", { text: scoreText((x.scores || {})[role.id]) }));
        }))));
    }
    if (res.report_url) content.push(el("p", {}, el("a", { href: res.report_url, text: t("Open your results page") })));
  } else {
    content.push(el("p", { class: "big-number" }, el("strong", { text: fmtPoints(mine) }), " " + t("points for you")),
      el("p", { text: tb.outcome === "deal" ? t("from the signed agreement (your BATNA was %(batna)s).", { batna: fmtPoints(role.batna) }) :
        tb.outcome === "deadlock" ? t("your BATNA: there was no agreement.") : t("The table is still open.") }));
  }
  fill(box, el("section", { class: "card results", "aria-labelledby": "results-title" },
    el("h2", { id: "results-title", text: t("Results") }), content));
}

