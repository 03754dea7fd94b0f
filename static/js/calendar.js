// The calendar's drag and drop: drop an appointment or a task on another day (month) or hour
// (week, day) to reschedule it. The server decides; on refusal the item goes back and the reason
// is shown. Keyboard and no-JS users have the "Déplacer" form on each item. No inline script (CSP).
(function () {
  "use strict";

  var root = document.getElementById("calendar");
  if (!root) return;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function say(text, tone) {
    var box = document.getElementById("messages");
    if (!box || !text) return;
    var div = document.createElement("div");
    div.className = "alert alert-" + tone + " alert-dismissible fade show";
    div.setAttribute("role", tone === "danger" ? "alert" : "status");
    div.setAttribute("data-testid", "calendar-message");
    div.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", "×");
    div.appendChild(close);
    box.appendChild(div);
  }

  function itemsOf(cell) { return cell.querySelector(".cal-items") || cell; }

  function putBack(item, origin) {
    if (origin.next && origin.next.parentNode === origin.parent) origin.parent.insertBefore(item, origin.next);
    else origin.parent.appendChild(item);
  }

  function refresh(item, date, time) {
    var label = item.querySelector(".cal-time");
    if (label && time) label.textContent = time;
    var dateInput = item.querySelector("input[name=date]");
    var timeInput = item.querySelector("input[name=time]");
    if (dateInput) dateInput.value = date;
    if (timeInput && time) timeInput.value = time;
    if (time) item.setAttribute("data-minute", time.slice(3, 5));
  }

  var dragged = null;
  var origin = null;

  root.addEventListener("dragstart", function (ev) {
    var item = ev.target.closest ? ev.target.closest(".cal-item[draggable=true]") : null;
    if (!item) return;
    dragged = item;
    origin = { parent: item.parentNode, next: item.nextSibling };
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", item.getAttribute("data-id"));
    item.classList.add("is-dragging");
  });

  root.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    root.querySelectorAll(".cal-drop-target").forEach(function (el) { el.classList.remove("cal-drop-target"); });
  });

  root.addEventListener("dragover", function (ev) {
    var cell = ev.target.closest ? ev.target.closest("[data-drop]") : null;
    if (!cell || !dragged) return;
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "move";
    if (!cell.classList.contains("cal-drop-target")) {
      root.querySelectorAll(".cal-drop-target").forEach(function (el) { el.classList.remove("cal-drop-target"); });
      cell.classList.add("cal-drop-target");
    }
  });

  root.addEventListener("drop", function (ev) {
    var cell = ev.target.closest ? ev.target.closest("[data-drop]") : null;
    if (!cell || !dragged) return;
    ev.preventDefault();
    cell.classList.remove("cal-drop-target");
    var item = dragged;
    var from = origin;
    dragged = null;
    item.classList.remove("is-dragging");
    if (from.parent === itemsOf(cell)) return;  // dropped where it was
    itemsOf(cell).appendChild(item);
    item.classList.add("is-saving");

    var body = new FormData();
    var date = cell.getAttribute("data-date");
    body.append("date", date);
    var hour = cell.getAttribute("data-time");  // "09:00" in week and day views; none in month view
    if (hour) body.append("time", hour.slice(0, 3) + (item.getAttribute("data-minute") || "00"));

    fetch(item.getAttribute("data-reschedule-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (result) {
      item.classList.remove("is-saving");
      if (result.status === 200 && result.data.ok) {
        refresh(item, result.data.date, result.data.time);
        say(result.data.message, "success");
        return;
      }
      putBack(item, from);
      var fallback = result.status === 403 ? root.getAttribute("data-msg-403") : root.getAttribute("data-msg-error");
      say(result.data.message || fallback, "danger");
    }).catch(function () {
      item.classList.remove("is-saving");
      putBack(item, from);
      say(root.getAttribute("data-msg-error"), "danger");
    });
  });

  // Week and day views open on the working day, not at midnight.
  var scroller = root.querySelector(".cal-scroll");
  var morning = root.querySelector("tr[data-hour='7']");
  if (scroller && morning) scroller.scrollTop = morning.offsetTop - 40;
})();
