/* A student's results page: this browser's seat token (kept by the play page in localStorage
 * under roleplay:<game>) is sent to the server, which answers with the results it may see,
 * already rendered and escaped. The page decides nothing. */
(function () {
  "use strict";
  var body = document.body;
  var gameId = body.dataset.game;
  var url = body.dataset.resultsUrl;
  var box = document.getElementById("results");
  var text = document.getElementById("results-text");
  var retry = document.getElementById("results-retry");

  function token() {
    try { return window.localStorage.getItem("roleplay:" + gameId); } catch (e) { return null; }
  }
  function say(message, canRetry) {
    text.textContent = message;
    retry.hidden = !canRetry;
  }

  function load() {
    var t = token();
    if (!t) {
      say("This browser has not joined this game, so it has no results to show. Join with the code from your instructor.", false);
      return;
    }
    say("Loading your results…", false);
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: t }),
      credentials: "same-origin",
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      if (res.ok && res.data && typeof res.data.html === "string") {
        box.innerHTML = res.data.html; // rendered and escaped by the server
        document.getElementById("results-message").hidden = true;
        return;
      }
      var err = (res.data && res.data.error) || {};
      say(err.message || "The results could not be loaded.", err.code === "not_yet" || err.code === "unavailable");
    }).catch(function () {
      say("The server could not be reached. Check your connection and try again.", true);
    });
  }

  retry.addEventListener("click", load);
  load();
})();
