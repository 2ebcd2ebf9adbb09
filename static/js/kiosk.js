// Idle reset: a kiosk left alone returns to the Thai home page, so the next citizen
// never starts on someone else's page. Phones (pages opened from a QR) have no
// data-idle-seconds and are left alone.
(function () {
  "use strict";
  var body = document.body;
  var seconds = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var home = body.getAttribute("data-home-url");
  if (!seconds || !home) {
    return;
  }
  var timer = null;
  function goHome() {
    var here = window.location.pathname + window.location.search;
    if (here === home) {
      var search = document.getElementById("q");
      if (search) { search.value = ""; }
      var results = document.getElementById("results");
      if (results) { results.innerHTML = ""; }
      window.scrollTo(0, 0);
      restart();
    } else {
      window.location.assign(home);
    }
  }
  function restart() {
    window.clearTimeout(timer);
    timer = window.setTimeout(goHome, seconds * 1000);
  }
  ["pointerdown", "keydown", "touchstart", "input", "wheel"].forEach(function (name) {
    window.addEventListener(name, restart, { passive: true });
  });
  restart();
})();
