/*
 * Preferences tab enhancement (loaded with defer; no inline script, CSP-friendly). Without this
 * file (or without JavaScript) there is no inline validation and nothing here is needed.
 *
 * Inline validation swaps a field's error container (includes/preference_errors.html). The
 * field's own state must follow it: aria-invalid on its inputs (what a screen reader reports
 * on the field) and the selfservice-field--invalid class (the red border). Otherwise a value
 * corrected after a 422 still reads as invalid, and a new mistake never does.
 */
(function () {
  "use strict";
  if (window.selfservicePreferences) {
    return; // htmx runs this file again with each swapped-in tab; the listener is set up once
  }
  window.selfservicePreferences = true;

  document.addEventListener("htmx:load", function (event) {
    var box = (event.detail && event.detail.elt) || event.target;
    if (!box || !box.classList || !box.classList.contains("selfservice-field-errors")) {
      return;
    }
    var field = box.closest(".selfservice-field");
    if (!field) {
      return;
    }
    var invalid = box.children.length > 0;
    field.classList.toggle("selfservice-field--invalid", invalid);
    field.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (invalid) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    });
  });
})();
