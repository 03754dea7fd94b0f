// Behaviour of the UI shell. No inline script anywhere: the CSP forbids it.
(function () {
  "use strict";

  function csrfToken() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (el) return el.value;
    var m = document.cookie.match(/csrftoken=([^;]+)/);
    return m ? m[1] : "";
  }

  // Language switcher and other selects that submit their form on change.
  document.addEventListener("change", function (ev) {
    var form = ev.target.closest("form[data-autosubmit]");
    if (form) form.submit();
  });

  // Display mode toggle: light <-> dark, saved on the user when signed in.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-theme-toggle]");
    if (!btn) return;
    var root = document.documentElement;
    var next = root.getAttribute("data-bs-theme") === "dark" ? "light" : "dark";
    root.setAttribute("data-bs-theme", next);
    root.setAttribute("data-theme-pref", next);
    try { localStorage.setItem("assura-theme", next); } catch (e) { /* ignore */ }
    var url = document.body.getAttribute("data-preferences-url");
    if (url) {
      var body = new FormData();
      body.append("theme", next);
      fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin" });
    }
  });

  // Confirmation dialogs: <button data-confirm="Message"> inside a form.
  var pendingButton = null;
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-confirm]");
    if (!btn || btn.hasAttribute("data-confirmed")) return;
    ev.preventDefault();
    pendingButton = btn;
    var modalEl = document.getElementById("confirm-modal");
    modalEl.querySelector("[data-confirm-text]").textContent = btn.getAttribute("data-confirm");
    bootstrap.Modal.getOrCreateInstance(modalEl).show();
  });
  document.addEventListener("click", function (ev) {
    if (!ev.target.closest("[data-confirm-ok]") || !pendingButton) return;
    var btn = pendingButton;
    var form = btn.form || btn.closest("form");
    pendingButton = null;
    bootstrap.Modal.getOrCreateInstance(document.getElementById("confirm-modal")).hide();
    // Submitting with the clicked button keeps its name/value (allauth's action buttons need it).
    if (form.requestSubmit) form.requestSubmit(btn.form === form && btn.type === "submit" ? btn : undefined);
    else form.submit();
  });

  // Progress bars: width set through the CSSOM (allowed by the CSP, unlike style="").
  function paintProgress(root) {
    (root || document).querySelectorAll("[data-progress]").forEach(function (el) {
      el.style.width = Math.max(0, Math.min(100, parseInt(el.getAttribute("data-progress"), 10) || 0)) + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { paintProgress(); });
  document.addEventListener("htmx:afterSwap", function (ev) { paintProgress(ev.target); });

  // A failed HTMX request says why instead of failing silently.
  document.addEventListener("htmx:responseError", function (ev) {
    var box = document.getElementById("messages");
    if (!box) return;
    var div = document.createElement("div");
    div.className = "alert alert-danger";
    div.setAttribute("role", "alert");
    var status = ev.detail.xhr ? ev.detail.xhr.status : 0;
    div.textContent = status === 403 ? box.getAttribute("data-msg-403") : box.getAttribute("data-msg-error");
    box.appendChild(div);
  });
})();
