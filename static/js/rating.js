// Exit rating pages: the on-screen keypad for the ticket number, keeping the scanner's field
// focused (a USB scanner types into whatever has focus), and one submission per form (a
// double tap on "send" must not post the rating twice).
(function () {
  "use strict";
  var MAX_TYPED = 6; // two letters and four digits: the longest ticket number

  var field = document.getElementById("rate-code");
  var keypad = document.querySelector("[data-keypad]");
  function refocus() {
    if (field) { field.focus({ preventScroll: true }); }
  }

  function press(button) {
    var value = field.value;
    if (button.hasAttribute("data-prefix")) {
      // A letter replaces the letters already typed: "A" then "B" means B, not AB.
      value = button.getAttribute("data-prefix") + value.replace(/^[A-Za-z]+/, "");
    } else if (button.hasAttribute("data-key")) {
      value = value + button.getAttribute("data-key");
    } else if (button.getAttribute("data-action") === "back") {
      value = value.slice(0, -1);
    } else if (button.getAttribute("data-action") === "clear") {
      value = "";
    }
    field.value = value.slice(0, MAX_TYPED);
  }

  if (field && keypad) {
    keypad.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) { return; }
      press(button);
      refocus();
    });
    // Taps on the page take the focus away from the field; give it back so a scan still lands.
    document.addEventListener("click", function (event) {
      if (!event.target.closest("a, input, textarea")) { refocus(); }
    });
    window.addEventListener("focus", refocus);
    refocus();
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-submit-once]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent")) {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-sent", "true");
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (button) {
        button.setAttribute("aria-disabled", "true");
        button.classList.add("sending");
      });
    });
  });
})();
