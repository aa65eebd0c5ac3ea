/* The results on the Negotiate panel, once released, and a campaign's earlier scenarios. */
import { el, fill, $ } from "../dom.js";
import { fmtPoints, scoreText, typeLabel } from "../format.js";
import { previousLine, shortRole } from "./selectors.js";
import { S } from "./state.js";

function renderPrevious() {
  var c = S.view.campaign;
  var box = $("neg-previous");
  if (!box) return;
  if (!c || !c.previous.length) { fill(box); return; }
  var was = box.querySelector("details");
  fill(box, el("details", { class: "card", id: "previous-results", open: was && was.open ? true : null },
    el("summary", { text: "Earlier scenarios (" + c.previous.length + ")" }),
    el("ul", { class: "plain" }, c.previous.map(function (x) { return el("li", { text: previousLine(x) }); }))));
}

export function renderResults() {
  var v = S.view;
  var box = $("neg-results");
  renderPrevious();
  if (!v.game.results_visible) { fill(box); return; }
  var res = v.results;
  var t = v.table, role = v.role;
  var content = [];
  var mine = t.outcome === "deal" && t.my_points_deal ? t.my_points_deal.total : role.batna;
  if (res && res.table) {
    var rt = res.table;
    var own = rt.points && rt.points[role.id] !== undefined ? rt.points[role.id] : mine;
    content.push(el("p", { class: "big-number" }, el("strong", { text: fmtPoints(own) }), " points for you"),
      el("p", { text: (rt.outcome === "deal" ? "Your table signed a " + typeLabel(rt.type) + "." : "Your table reached no agreement: everyone gets their BATNA.") +
        (rt.percentile !== null && rt.percentile !== undefined ? " Your role did better than " + Math.round(rt.percentile) + "% of the other " + shortRole(S.view, role.id) + " seats." : "") }));
    var roles = Object.keys(rt.scores || {});
    content.push(el("table", { class: "data" },
      el("caption", { text: "Scores at table " + rt.id + " (0 = the BATNA each role started with, 100 = its best package)" }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Role" }), el("th", { scope: "col", text: "Score" }))),
      el("tbody", {}, roles.map(function (r) {
        return el("tr", { class: r === role.id ? "mine" : "" },
          el("th", { scope: "row", text: shortRole(S.view, r) }),
          el("td", { text: scoreText(rt.scores[r]) }));
      }))));
    if (res.tables && res.tables.length > 1) {
      content.push(el("table", { class: "data" },
        el("caption", { text: "Every table" }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Table" }), el("th", { scope: "col", text: "Outcome" }),
          el("th", { scope: "col", text: shortRole(S.view, role.id) + " score" }))),
        el("tbody", {}, res.tables.map(function (x) {
          return el("tr", { class: x.id === t.id ? "mine" : "" },
            el("th", { scope: "row", text: "Table " + x.id }),
            el("td", { text: x.outcome === "deal" ? typeLabel(x.type) : "no deal" }),
            el("td", { text: scoreText((x.scores || {})[role.id]) }));
        }))));
    }
    if (res.report_url) content.push(el("p", {}, el("a", { href: res.report_url, text: "Open your results page" })));
  } else {
    content.push(el("p", { class: "big-number" }, el("strong", { text: fmtPoints(mine) }), " points for you"),
      el("p", { text: t.outcome === "deal" ? "from the signed agreement (your BATNA was " + fmtPoints(role.batna) + ")." :
        t.outcome === "deadlock" ? "your BATNA: there was no agreement." : "The table is still open." }));
  }
  fill(box, el("section", { class: "card results", "aria-labelledby": "results-title" },
    el("h2", { id: "results-title", text: "Results" }), content));
}

