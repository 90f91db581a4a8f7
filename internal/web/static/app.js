// orderbridge: the little JavaScript there is. Every page works without it.
"use strict";
(function () {
  // A sync run: poll its status and update the page in place; reload once
  // it is over, so the results are rendered by the server.
  var run = document.getElementById("run");
  if (run && run.dataset.finished !== "true") {
    var text = document.getElementById("run-text");
    var bar = document.getElementById("run-progress");
    var poll = function () {
      fetch(run.dataset.statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (s) {
          text.textContent = s.text;
          text.className = "status state-" + s.state;
          if (s.total > 0) { bar.max = s.total; bar.value = s.done; }
          if (s.finished) { window.location.reload(); return; }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 500);
  }
  // The gear menu closes on Escape and on a click elsewhere.
  var gear = document.querySelector("details.gear");
  if (gear) {
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && gear.open) { gear.open = false; gear.querySelector("summary").focus(); }
    });
    document.addEventListener("click", function (e) {
      if (gear.open && !gear.contains(e.target)) { gear.open = false; }
    });
  }
})();
