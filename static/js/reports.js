// Report pages: the Print button of the monthly report (no inline script, so CSP-friendly).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
