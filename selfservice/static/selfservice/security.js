/*
 * Security tab enhancements (loaded with defer; no inline script, CSP-friendly). Without this
 * file every action still works as a plain form post.
 *
 * - Enrollment popup: on submit of a [data-selfservice-enroll] form, open a named blank popup at
 *   once (inside the click, so popup blockers allow it); htmx posts the form, and the response's
 *   HX-Trigger "selfservice:enroll" carries ticket_url, which the popup is pointed at. When the
 *   user comes back to this window (focus / visibilitychange) and the popup is closed, the tab
 *   reloads itself. No polling. A blocked popup falls back to this window.
 * - Copy and Print buttons for the recovery code (navigator.clipboard, window.print), shown
 *   only when they can work.
 * (Focus after a swap, aria-busy and the live region are every page's: selfservice.js.)
 */
(function () {
  "use strict";
  if (window.selfserviceSecurity) {
    return; // htmx runs this file again with each swapped-in tab; listeners are set up once
  }
  window.selfserviceSecurity = true;

  var POPUP_NAME = "selfservice-enroll";
  var PANEL = "selfservice-panel";
  var popup = null;
  var pending = null; // the enroll form whose request is in flight
  var returnUrl = null;

  function reloadTab() {
    if (window.htmx && document.getElementById(PANEL)) {
      window.htmx.ajax("GET", returnUrl, { target: "#" + PANEL, swap: "innerHTML" });
    } else {
      window.location.assign(returnUrl);
    }
  }

  function watchPopup() {
    function check() {
      if (popup && popup.closed) {
        window.removeEventListener("focus", check);
        document.removeEventListener("visibilitychange", check);
        popup = null;
        reloadTab();
      }
    }
    window.addEventListener("focus", check);
    document.addEventListener("visibilitychange", check);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-selfservice-enroll") || !window.htmx) {
      return; // no htmx: the form posts normally and the answer links to the setup page
    }
    pending = form;
    returnUrl = form.getAttribute("data-selfservice-return") || window.location.pathname;
    popup = window.open("about:blank", POPUP_NAME, "popup,width=520,height=760");
    if (popup) {
      try {
        popup.opener = null; // the setup page cannot reach back into this window
      } catch (ignored) { /* not ours to change: fine */ }
    }
  });

  document.addEventListener("selfservice:enroll", function (event) {
    var url = event.detail && event.detail.ticket_url;
    if (!url || !/^https?:\/\//i.test(url)) {
      return;
    }
    pending = null;
    if (popup && !popup.closed) {
      popup.location.href = url;
      popup.focus();
      watchPopup();
    } else {
      window.location.assign(url); // popup blocked: go there in this window (Back returns)
    }
  });

  function requestSource(event) {
    // The element that made the request. When the response swapped it out of the page, htmx
    // fires afterRequest again on a parent still in it, with detail.elt set to that parent; the
    // request's own config still names the original element.
    var detail = event.detail || {};
    return (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    // An enroll request that brought no ticket (error, rate limit): close the empty popup.
    if (pending && requestSource(event) === pending) {
      pending = null;
      if (popup && !popup.closed) {
        popup.close();
      }
      popup = null;
    }
  });

  function showCopyButtons(root) {
    if (!navigator.clipboard || !window.isSecureContext) {
      return;
    }
    root.querySelectorAll("[data-selfservice-copy]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function showPrintButtons(root) {
    if (typeof window.print !== "function") {
      return;
    }
    root.querySelectorAll("[data-selfservice-print]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("[data-selfservice-print]")) {
      window.print();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("[data-selfservice-copy]");
    if (!button) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-selfservice-copy"));
    var status = button.parentElement && button.parentElement.querySelector("[data-selfservice-copy-status]");
    if (!source) {
      return;
    }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      if (status) {
        status.textContent = button.getAttribute("data-selfservice-copied") || "";
      }
    });
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail && event.detail.elt ? event.detail.elt : document;
    showCopyButtons(root);
    showPrintButtons(root);
  });

  showCopyButtons(document);
  showPrintButtons(document);
})();
