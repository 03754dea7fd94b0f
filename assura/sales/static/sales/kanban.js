// Kanban of the opportunities: drag a card to another column (HTMX posts the move and swaps
// the board, so totals follow). A refused move (permission, closed opportunity, missing loss
// reason) answers 4xx with the reason: the card goes back where it was and the reason is shown.
// Keyboard users move cards with the stage list of each card (an HTMX form, also plain POST).
(function () {
  "use strict";
  var dragged = null;
  var origin = null;

  function alertBox(message) {
    var box = document.getElementById("kanban-alert");
    if (!box) return;
    if (message) {
      box.textContent = message;
      box.classList.remove("d-none");
    } else {
      box.textContent = "";
      box.classList.add("d-none");
    }
  }

  function board() { return document.getElementById("kanban-board"); }

  document.addEventListener("dragstart", function (ev) {
    var card = ev.target.closest && ev.target.closest("[data-card][draggable=true]");
    if (!card) return;
    dragged = card;
    origin = { parent: card.parentNode, next: card.nextSibling };
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", card.getAttribute("data-card"));
    card.classList.add("opacity-50");
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("opacity-50");
  });

  document.addEventListener("dragover", function (ev) {
    if (dragged && ev.target.closest && ev.target.closest("[data-dropzone]")) ev.preventDefault();
  });

  document.addEventListener("drop", function (ev) {
    var zone = ev.target.closest && ev.target.closest("[data-dropzone]");
    if (!zone || !dragged) return;
    ev.preventDefault();
    var card = dragged;
    dragged = null;
    card.classList.remove("opacity-50");
    if (zone === origin.parent) return;
    zone.insertBefore(card, zone.firstChild);  // optimistic: the server's board replaces it
    alertBox("");
    if (zone.hasAttribute("data-lost") && document.getElementById("loss-modal")) {
      askLossReason(card, zone);  // a lost stage needs its reason
      return;
    }
    send(card, zone, "");
  });

  function send(card, zone, lossReason) {
    var values = { stage: zone.getAttribute("data-stage"), from: "kanban", filters: board().getAttribute("data-filters") || "" };
    if (lossReason) values.loss_reason = lossReason;
    htmx.ajax("POST", card.getAttribute("data-move-url"), { source: card, target: "#kanban-board", swap: "outerHTML", values: values });
  }

  var pendingLoss = null;
  function askLossReason(card, zone) {
    var modalEl = document.getElementById("loss-modal");
    pendingLoss = { card: card, zone: zone };
    document.getElementById("loss-reason").value = "";
    bootstrap.Modal.getOrCreateInstance(modalEl).show();
  }

  document.addEventListener("submit", function (ev) {
    if (ev.target.id !== "loss-form") return;
    ev.preventDefault();
    var reason = document.getElementById("loss-reason").value;
    if (!reason || !pendingLoss) return;
    var pending = pendingLoss;
    pendingLoss = null;
    bootstrap.Modal.getOrCreateInstance(document.getElementById("loss-modal")).hide();
    send(pending.card, pending.zone, reason);
  });

  document.addEventListener("hidden.bs.modal", function (ev) {
    if (ev.target.id === "loss-modal" && pendingLoss) {  // cancelled: the card goes back
      putBack(pendingLoss.card);
      pendingLoss = null;
    }
  });

  function putBack(elt) {
    var card = elt && elt.closest ? elt.closest("[data-card]") : null;
    if (card && origin && card.parentNode !== origin.parent) {
      origin.parent.insertBefore(card, origin.next && origin.next.parentNode === origin.parent ? origin.next : null);
    }
    origin = null;
  }

  document.addEventListener("htmx:responseError", function (ev) {
    if (!board()) return;
    putBack(ev.detail.elt);
    var xhr = ev.detail.xhr;
    alertBox((xhr && xhr.responseText) || "Déplacement refusé.");
  });

  document.addEventListener("htmx:afterSwap", function (ev) {
    if (ev.detail.target && ev.detail.target.id === "kanban-board") alertBox("");
  });
})();
