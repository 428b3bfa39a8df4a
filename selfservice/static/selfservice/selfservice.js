/*
 * What every account page does with JavaScript on (loaded once by layouts/base.html, with defer;
 * no inline script, CSP-friendly). Without this file every page still works: links and forms
 * are plain HTML, messages are in the page.
 *
 * - aria-busy on the panel while htmx loads it.
 * - Focus after a swap into the panel: the first invalid field of a refused form, else the new
 *   content's heading ([data-selfservice-focus], tabindex=-1), so keyboard and screen-reader
 *   users carry on from the step they reached instead of from <body>. A tab switch focuses the
 *   new tab's heading too (the link stays current in the bar).
 * - One persistent polite live region (#selfservice-live, outside the swapped content): after
 *   a swap, the new messages are copied into it, cleared first so the same message twice is
 *   announced twice. Messages inside the panel are not live regions themselves.
 * - The tab bar scrolls sideways on a narrow screen: the current tab is scrolled into view.
 * - A request into the panel that gets no answer, or an error the layout does not swap (403,
 *   413, 5xx, ...), is said beside the control the user pressed (an alert from page.html's
 *   #selfservice-request-failed); the form and what was typed stay as they were.
 * - A 403 under a form that names its owner (selfservice_owner) is most often a CSRF token made
 *   stale by signing in again in another window: the page is read again in the background and,
 *   when it still belongs to the same user, its new token replaces the old one, so sending the
 *   form again works without a reload that would lose what was typed.
 * - Unsaved changes are not lost by a stray click: a form that names its owner is unsaved when a
 *   field differs from what the page rendered, after its Save was refused (422, 429, 503: the
 *   typed values come back as rendered ones) or when the server marks it (data-selfservice-
 *   unsaved: values kept over a sign-in). A request that would replace the panel (a tab, Refresh,
 *   another form) asks first in the confirm dialog; closing or leaving the page gets the
 *   browser's own question. A navigation the site asks for (HX-Redirect) does not ask.
 */
(function () {
  "use strict";
  if (window.selfserviceLayout) {
    return;
  }
  window.selfserviceLayout = true;

  var PANEL = "selfservice-panel";

  function isPanel(target) {
    return target && target.id === PANEL;
  }

  function showCurrentTab() {
    var current = document.querySelector("#selfservice-tabs [aria-current='page']");
    var bar = current && current.closest("ul");
    if (!bar || bar.scrollWidth <= bar.clientWidth) {
      return;
    }
    // Measured on the screen and scrolled by the difference: the same in a right-to-left page,
    // where scrollLeft runs from 0 to negative values and offsetLeft does not say what shows.
    var shown = bar.getBoundingClientRect();
    var tab = current.getBoundingClientRect();
    if (tab.left < shown.left) {
      bar.scrollLeft -= shown.left - tab.left + 16;
    } else if (tab.right > shown.right) {
      bar.scrollLeft += tab.right - shown.right + 16;
    }
  }

  function announce(panel) {
    var live = document.getElementById("selfservice-live");
    if (!live) {
      return;
    }
    var texts = [];
    panel.querySelectorAll(".selfservice-message").forEach(function (node) {
      var text = node.textContent.replace(/\s+/g, " ").trim();
      if (text && texts.indexOf(text) === -1) {
        texts.push(text);
      }
    });
    live.textContent = "";
    if (texts.length) {
      window.setTimeout(function () {
        live.textContent = texts.join(" ");
      }, 50);
    }
  }

  function focusTarget(panel) {
    var invalid = panel.querySelector(
      ".selfservice-field--invalid input, .selfservice-field--invalid select, .selfservice-field--invalid textarea, [aria-invalid='true']"
    );
    return invalid || panel.querySelector("[data-selfservice-focus]");
  }

  function clearFailures() {
    document.querySelectorAll("[data-selfservice-request-failed]").forEach(function (node) {
      node.remove();
    });
  }

  function failureText(template, status) {
    if (!status) {
      return template.getAttribute("data-unreachable");
    }
    if (status === 403) {
      return template.getAttribute("data-out-of-date");
    }
    if (status === 413) {
      return template.getAttribute("data-too-large");
    }
    return template.getAttribute("data-failed");
  }

  var OWNER = "input[name='selfservice_owner']"; // the field of a form that names its owner

  // The form ``element`` is in (or is), else null.
  function formOf(element) {
    return element && element.closest ? element.closest("form") : null;
  }

  // Read this page again and take its CSRF token, if it is still the page of the user who owns
  // ``form`` (the same selfservice_owner): resolves true when the token was replaced. A page of
  // someone else (signed in as another user elsewhere), the login page (signed out) or no answer
  // resolves false, and nothing changes.
  function refreshToken(form) {
    var owner = form && form.querySelector(OWNER);
    if (!owner || !owner.value || !window.fetch || !window.DOMParser) {
      return Promise.resolve(false);
    }
    return window.fetch(window.location.href, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok && !response.redirected ? response.text() : "";
      })
      .then(function (html) {
        var page = html ? new DOMParser().parseFromString(html, "text/html") : null;
        var theirs = page && page.querySelector(OWNER);
        var headers = page && page.body ? page.body.getAttribute("hx-headers") : null;
        var token = headers ? JSON.parse(headers)["X-CSRFToken"] : null;
        if (!theirs || theirs.value !== owner.value || typeof token !== "string" || !token) {
          return false;
        }
        document.body.setAttribute("hx-headers", headers);
        document.querySelectorAll("input[name='csrfmiddlewaretoken']").forEach(function (input) {
          input.value = token;
        });
        return true;
      })
      .catch(function () {
        return false;
      });
  }

  // After the form the request came from (the notice sits by the button pressed), else above
  // the panel (a tab link, a Refresh link).
  var requests = 0; // a notice that is ready only after another request began is not shown
  function showFailure(event, status) {
    var target = event.detail && event.detail.target;
    var template = document.getElementById("selfservice-request-failed");
    if (!isPanel(target) || !template || !template.content.firstElementChild) {
      return;
    }
    clearFailures();
    var source = event.detail.elt;
    var form = source && source.isConnected && target.contains(source) ? formOf(source) : null;
    form = form && target.contains(form) ? form : null;
    var place = function (text, warning) {
      var notice = template.content.firstElementChild.cloneNode(true);
      notice.textContent = text;
      if (warning) {
        notice.classList.replace("selfservice-message--error", "selfservice-message--warning"); // nothing failed now
      }
      if (form && form.isConnected) {
        form.insertAdjacentElement("afterend", notice);
      } else {
        target.insertAdjacentElement("beforebegin", notice);
      }
    };
    if (status !== 403 || !form) {
      place(failureText(template, status));
      return;
    }
    var asked = requests;
    refreshToken(form).then(function (refreshed) {
      if (asked === requests) {
        place(refreshed ? template.getAttribute("data-refreshed") : failureText(template, status), refreshed);
      }
    });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail && event.detail.target;
    if (isPanel(target)) {
      requests += 1;
      clearFailures();
      target.setAttribute("aria-busy", "true");
    }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    showFailure(event, (xhr && xhr.status) || 0);
  });
  document.addEventListener("htmx:sendError", function (event) {
    showFailure(event, 0);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail && event.detail.target;
    if (isPanel(target)) {
      target.removeAttribute("aria-busy");
    }
  });
  // After settle, not after swap: htmx wires the new content's hx-* attributes while settling,
  // so focusing earlier would let a quick Enter submit the new form without htmx.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!isPanel(target)) {
      return;
    }
    showCurrentTab();
    announce(target);
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var fromPage = source && (!source.isConnected || target.contains(source) || source.closest("#selfservice-tabs"));
    var active = document.activeElement;
    if (!fromPage && active && active !== document.body && active.isConnected) {
      return; // the swap came from elsewhere (a timer, a popup closing) and the user is busy: stay
    }
    var next = focusTarget(target);
    if (next) {
      next.focus({ preventScroll: false });
    }
  });

  // -- unsaved changes ------------------------------------------------------------------------

  function fieldChanged(field) {
    if (field.disabled || !field.name || /^(hidden|submit|button|reset|image|file)$/.test(field.type)) {
      return false;
    }
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.type === "select-one") {
      var shown = Array.prototype.findIndex.call(field.options, function (option) { return option.defaultSelected; });
      return field.selectedIndex !== Math.max(shown, 0); // no default: the browser shows the first
    }
    if (field.type === "select-multiple") {
      return Array.prototype.some.call(field.options, function (option) { return option.selected !== option.defaultSelected; });
    }
    return field.value !== field.defaultValue;
  }

  // The panel's first form with unsaved changes, other than ``except`` (the form being sent).
  function unsavedForm(except) {
    var panel = document.getElementById(PANEL);
    var forms = panel ? panel.querySelectorAll("form") : [];
    for (var i = 0; i < forms.length; i += 1) {
      var form = forms[i];
      if (form !== except && form.querySelector(OWNER) &&
          (form.hasAttribute("data-selfservice-unsaved") || Array.prototype.some.call(form.elements, fieldChanged))) {
        return form;
      }
    }
    return null;
  }

  var refusedSave = false; // the swap under way answers a refused Save: its form stays unsaved
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail || {};
    var source = detail.requestConfig && detail.requestConfig.elt;
    var form = formOf(source);
    refusedSave = isPanel(detail.target) && !!form && !!form.querySelector(OWNER) &&
      !!detail.xhr && [422, 429, 503].indexOf(detail.xhr.status) !== -1;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (isPanel(target) && refusedSave) {
      target.querySelectorAll("form").forEach(function (form) {
        if (form.querySelector(OWNER)) {
          form.setAttribute("data-selfservice-unsaved", "");
        }
      });
    }
    refusedSave = false;
  });

  var leaving = false; // the site sent the page elsewhere (HX-Redirect): a save made, or kept
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Redirect")) {
      leaving = true;
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (!leaving && unsavedForm(null)) {
      event.preventDefault();
      event.returnValue = ""; // older browsers ask only when this is set
    }
  });

  // hx-confirm: the page's <dialog> instead of the browser's confirm(). The element may name the
  // destructive button (data-selfservice-confirm-button) and say what happens (…-confirm-detail).
  // A request that would replace a form with unsaved changes asks with the dialog's data-leave-*.
  var confirming = null;
  document.addEventListener("htmx:confirm", function (event) {
    var detail = event.detail || {};
    var question = detail.question;
    var dialog = document.getElementById("selfservice-confirm");
    if (!dialog || typeof dialog.showModal !== "function") {
      return; // no dialog support: htmx carries on (confirm() or straight on)
    }
    var source = detail.elt;
    var texts = null;
    if (question) {
      texts = {
        question: question,
        detail: source && source.getAttribute("data-selfservice-confirm-detail"),
        button: source && source.getAttribute("data-selfservice-confirm-button"),
      };
    } else if (isPanel(detail.target) && unsavedForm(formOf(source))) {
      texts = {
        question: dialog.getAttribute("data-leave-question"),
        detail: dialog.getAttribute("data-leave-detail"),
        button: dialog.getAttribute("data-leave-button"),
      };
    }
    if (!texts || !texts.question) {
      return; // nothing to ask: htmx carries on
    }
    event.preventDefault();
    var ok = dialog.querySelector("[data-selfservice-confirm-ok]");
    dialog.querySelector("#selfservice-confirm-question").textContent = texts.question;
    dialog.querySelector("[data-selfservice-confirm-detail]").textContent = texts.detail || "";
    if (!ok.hasAttribute("data-default")) {
      ok.setAttribute("data-default", ok.textContent);
    }
    ok.textContent = texts.button || ok.getAttribute("data-default");
    confirming = { issue: detail.issueRequest, source: source };
    dialog.returnValue = "";
    dialog.showModal();
    dialog.querySelector("[data-selfservice-confirm-cancel]").focus(); // the safe choice first
  });
  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (!(dialog instanceof HTMLDialogElement) || dialog.id !== "selfservice-confirm" || !confirming) {
      return;
    }
    var pending = confirming;
    confirming = null;
    if (dialog.returnValue === "confirm") {
      pending.issue(true); // true: htmx asks nothing more
    } else if (pending.source && pending.source.isConnected) {
      var control = pending.source.querySelector("button, [type=submit]") || pending.source;
      control.focus(); // back where the user was
    }
  }, true);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showCurrentTab);
  } else {
    showCurrentTab();
  }
})();
