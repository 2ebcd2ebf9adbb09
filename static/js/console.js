// The counter console's refusals ("nobody is waiting", "finish the current ticket first", a
// paused counter) come back as the console's panel with a 409 status. htmx 2 swaps
// only 2xx answers by default, so the clerk would press a button and see nothing happen:
// swap those into the console as well.
//
// The panel also refreshes itself every 5 s (counter.html). A refresh waits while a refusal
// or a confirmation (an element marked data-hold) is younger than HOLD_MS, so it can be
// read, and while a transfer is being chosen (a field of its form changed or focused), so
// the choice is not redrawn under the clerk.
(function () {
  "use strict";
  var HOLD_MS = 15000;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.xhr.status === 409 && detail.target && detail.target.id === "console") {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  function stamp() {
    var alerts = document.querySelectorAll("#console [data-hold]");
    for (var i = 0; i < alerts.length; i++) {
      if (!alerts[i].dataset.shownAt) { alerts[i].dataset.shownAt = String(Date.now()); }
    }
  }

  function changed(form) {
    var fields = form.querySelectorAll("select, input[type=radio], input[type=checkbox]");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.tagName === "SELECT") {
        for (var j = 0; j < field.options.length; j++) {
          if (field.options[j].selected !== field.options[j].defaultSelected) { return true; }
        }
      } else if (field.checked !== field.defaultChecked) {
        return true;
      }
    }
    return false;
  }

  function holding(panel) {
    var transfer = panel.querySelector("form.transfer");
    if (transfer && (transfer.contains(document.activeElement) || changed(transfer))) {
      return true;
    }
    var alert = panel.querySelector("[data-hold]");
    return !!alert && Date.now() - Number(alert.dataset.shownAt || 0) < HOLD_MS;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var detail = event.detail;
    var panel = document.getElementById("console");
    // Only the refresh itself: the panel's own GET, not a button's POST inside it.
    if (panel && detail.elt === panel && detail.requestConfig.verb === "get" && holding(panel)) {
      event.preventDefault();
    }
  });
  document.addEventListener("htmx:afterSwap", stamp);
  document.addEventListener("DOMContentLoaded", stamp);
})();
