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

  // Bulk actions on list pages: select-all on the page, the selected count, the chosen action's fields.
  function bulkRefresh(table) {
    if (!table) return;
    var rows = table.querySelectorAll("[data-bulk-row]");
    var checked = 0;
    rows.forEach(function (r) { if (r.checked) checked += 1; });
    var all = table.querySelector("[data-bulk-select-all]");
    if (all) {
      all.checked = rows.length > 0 && checked === rows.length;
      all.indeterminate = checked > 0 && checked < rows.length;
    }
    var label = table.querySelector("[data-bulk-count]");
    if (label) {
      var matching = table.querySelector("#bulk-all-matching");
      if (matching && matching.checked) {
        label.textContent = matching.labels.length ? matching.labels[0].textContent : "";
      } else if (checked === 0) {
        label.textContent = label.getAttribute("data-template-none");
      } else if (checked === 1) {
        label.textContent = label.getAttribute("data-template-one");
      } else {
        label.textContent = label.getAttribute("data-template-many").replace("__n__", checked);
      }
    }
    var select = table.querySelector("[data-bulk-action]");
    if (select) {
      table.querySelectorAll("[data-bulk-fields]").forEach(function (box) {
        box.hidden = box.getAttribute("data-bulk-fields") !== select.value;
      });
      var button = table.querySelector("[data-bulk-submit]");
      var option = select.options[select.selectedIndex];
      if (button) {
        button.setAttribute("data-confirm", (option && option.getAttribute("data-confirm-message")) ||
          button.getAttribute("data-confirm-default"));
      }
    }
  }
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    var table = t.closest ? t.closest("#data-table") : null;
    if (!table) return;
    var rows = table.querySelectorAll("[data-bulk-row]");
    var matching = table.querySelector("#bulk-all-matching");
    if (t.matches("[data-bulk-select-all]")) {
      rows.forEach(function (r) { r.checked = t.checked; });
      if (!t.checked && matching) matching.checked = false;
    } else if (t === matching && t.checked) {
      rows.forEach(function (r) { r.checked = true; });
    } else if (t.matches("[data-bulk-row]") && !t.checked && matching) {
      matching.checked = false;
    }
    bulkRefresh(table);
  });
  document.addEventListener("DOMContentLoaded", function () { bulkRefresh(document.getElementById("data-table")); });
  document.addEventListener("htmx:afterSwap", function () { bulkRefresh(document.getElementById("data-table")); });

  // Global search box: an ARIA combobox over the live results (arrow keys, Enter, Escape; "/" focuses it).
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("global-search");
    var listbox = document.getElementById("global-search-results");
    if (!input || !listbox) return;
    var form = input.closest("form");
    var active = -1;

    function options() { return listbox.querySelectorAll("[role=option]"); }
    function open() {
      if (!listbox.children.length) return;
      listbox.classList.add("show");
      input.setAttribute("aria-expanded", "true");
    }
    function close() {
      listbox.classList.remove("show");
      input.setAttribute("aria-expanded", "false");
      select(-1);
    }
    function select(index) {
      var opts = options();
      opts.forEach(function (o) { o.classList.remove("active"); o.setAttribute("aria-selected", "false"); });
      active = opts.length ? index : -1;
      if (active < 0) { input.removeAttribute("aria-activedescendant"); return; }
      var opt = opts[active];
      opt.classList.add("active");
      opt.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", opt.id);
      opt.scrollIntoView({ block: "nearest" });
    }
    input.addEventListener("keydown", function (ev) {
      var count = options().length;
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        open();
        if (!count) return;
        var step = ev.key === "ArrowDown" ? 1 : -1;
        select(active < 0 ? (step > 0 ? 0 : count - 1) : (active + step + count) % count);
      } else if (ev.key === "Enter" && active >= 0 && listbox.classList.contains("show")) {
        ev.preventDefault();
        window.location.assign(options()[active].getAttribute("href"));
      } else if (ev.key === "Escape" && listbox.classList.contains("show")) {
        ev.preventDefault();
        close();
      } else if (ev.key === "Tab") {
        close();
      }
    });
    document.addEventListener("htmx:afterSwap", function (ev) {
      if (ev.detail.target !== listbox) return;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (document.activeElement === input) open();
    });
    document.addEventListener("click", function (ev) {
      if (!form.contains(ev.target)) close();
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      var t = ev.target;
      if (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) return;
      ev.preventDefault();
      input.focus();
    });
  });
})();
