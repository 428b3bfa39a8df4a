/*
 * General tab enhancement (loaded with defer; no inline script, CSP-friendly). Without it the
 * new picture shows in the avatar once saved; with it, a preview appears beside the form while
 * the URL is typed.
 *
 * Only an https: address is previewed, as the server only ever renders an https: picture (any
 * other scheme -- javascript:, data:, http: -- could carry script or leak the page's address).
 * The preview shows once the image has loaded, and hides again if it fails to load, so a
 * broken address never shows a broken image.
 */
(function () {
  "use strict";
  if (window.selfserviceGeneral) {
    return; // htmx runs this file again with each swapped-in tab; the listeners are set up once
  }
  window.selfserviceGeneral = true;

  function previewOf(input) {
    return input.form ? input.form.querySelector("[data-selfservice-picture-preview]") : null;
  }

  function httpsAddress(value) {
    try {
      var url = new URL(value.trim());
      return url.protocol === "https:" ? url.href : null;
    } catch (error) {
      return null; // not a URL (yet): nothing to show
    }
  }

  function update(input) {
    var box = previewOf(input);
    if (!box) {
      return;
    }
    var image = box.querySelector("img");
    var address = input.value === input.defaultValue ? null : httpsAddress(input.value);
    if (!address) {
      box.hidden = true;
      image.removeAttribute("src");
    } else if (image.getAttribute("src") !== address) {
      box.hidden = true; // until it has loaded
      image.src = address;
    }
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.name === "picture" && previewOf(input)) {
      update(input);
    }
  });
  // load and error do not bubble: listen in the capture phase.
  document.addEventListener("load", function (event) {
    var box = event.target instanceof HTMLImageElement && event.target.closest("[data-selfservice-picture-preview]");
    if (box && event.target.getAttribute("src")) {
      box.hidden = false;
    }
  }, true);
  document.addEventListener("error", function (event) {
    var box = event.target instanceof HTMLImageElement && event.target.closest("[data-selfservice-picture-preview]");
    if (box) {
      box.hidden = true;
    }
  }, true);
})();
