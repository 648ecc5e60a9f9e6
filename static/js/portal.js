// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-dialog-open]");
  if (opener) {
    const dialog = document.getElementById(opener.dataset.dialogOpen);
    if (dialog && dialog.showModal) { event.preventDefault(); dialog.showModal(); }
  }
  const closer = event.target.closest("[data-dialog-close]");
  if (closer) {
    const dialog = closer.closest("dialog");
    if (dialog) { event.preventDefault(); dialog.close(); }
  }
});
// Submit a filter form as soon as one of its controls changes.
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); }
});
// Close a dialog once htmx has swapped its answer into the page.
document.addEventListener("htmx:afterSwap", (event) => {
  const dialog = event.detail.elt.closest && event.detail.elt.closest("dialog");
  if (dialog && dialog.open && event.detail.xhr.status < 400) { dialog.close(); }
});
