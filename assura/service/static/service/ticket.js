// Ticket page: insert a reply template (already rendered with the ticket's values) in one click.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-insert-template]");
  if (!button) return;
  const textarea = document.querySelector("[data-reply-body]");
  if (!textarea) return;
  const text = button.getAttribute("data-insert-template");
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? textarea.value.length;
  textarea.value = textarea.value.slice(0, start) + text + textarea.value.slice(end);
  textarea.focus();
  textarea.selectionStart = textarea.selectionEnd = start + text.length;
});
