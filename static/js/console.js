// The counter console's refusals ("nobody is waiting", "finish the current ticket first", a
// paused counter) come back as the console's panel with a 409 status. htmx 2 swaps
// only 2xx answers by default, so the clerk would press a button and see nothing happen:
// swap those into the console as well.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.xhr.status === 409 && detail.target && detail.target.id === "console") {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });
})();
