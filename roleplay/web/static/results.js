/* A student's results page, first visit: post this browser's seat token (kept by the play
 * page in localStorage under roleplay:<game>) so the server can show the results that seat
 * may see. The server renders them; this script only hands over the token. */
(function () {
  "use strict";
  var gameId = document.body.dataset.game;
  var form = document.getElementById("results-form");
  var text = document.getElementById("results-text");
  if (!form) return;
  var token = null;
  try { token = window.localStorage.getItem("roleplay:" + gameId); } catch (e) { token = null; }
  if (!token) {
    // the page's language: the template says it (data-no-seat)
    text.textContent = text.getAttribute("data-no-seat") ||
      "This browser has not joined this game, so it has no results to show. Join with the code from your instructor.";
    return;
  }
  form.elements.token.value = token;
  form.submit();
})();
