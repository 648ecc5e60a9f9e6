// Small progressive enhancements; every page works without them (no inline script or style:
// the Content-Security-Policy forbids both).
document.documentElement.classList.add("js");

// ----------------------------------------------------------------------- disclosure menus
// A button[data-disclosure][aria-controls] opens and closes the element it controls (the top
// menu's sections, the account menu, the "Menu" button on small screens). Without JavaScript
// the CSS opens a section on hover and keyboard focus, so every link stays reachable.
(function () {
  function panelOf(button) { return document.getElementById(button.getAttribute("aria-controls")); }
  function isOpen(button) { return button.getAttribute("aria-expanded") === "true"; }
  function setOpen(button, open) { button.setAttribute("aria-expanded", open ? "true" : "false"); }
  function openButtons() { return Array.from(document.querySelectorAll("[data-disclosure][aria-expanded=true]")); }
  // Close every open disclosure that does not contain `node` (its button or its panel).
  function closeOutside(node) {
    openButtons().forEach((button) => {
      const panel = panelOf(button);
      if (node && (button.contains(node) || (panel && panel.contains(node)))) { return; }
      setOpen(button, false);
    });
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-disclosure]");
    if (button) {
      const open = !isOpen(button);
      closeOutside(button.parentElement);
      setOpen(button, open);
      return;
    }
    closeOutside(event.target);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") { return; }
    // The innermost open disclosure around the focus closes, and its button takes the focus.
    const inside = openButtons().filter((button) => {
      const panel = panelOf(button);
      return button === document.activeElement || (panel && panel.contains(document.activeElement));
    });
    const innermost = inside[inside.length - 1];
    if (innermost) { setOpen(innermost, false); innermost.focus(); }
  });
  // Tabbing out of a section closes it (the "Menu" button of small screens stays open).
  document.addEventListener("focusin", (event) => {
    openButtons().forEach((button) => {
      const menu = button.closest(".menu");
      if (menu && !menu.contains(event.target)) { setOpen(button, false); }
    });
  });
})();

// ------------------------------------------------------------------------------- dialogs
// A link or button [data-dialog-open=id] opens that <dialog> instead of following its link
// (its href is the page that asks the same question without JavaScript).
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
// Submit a filter form as soon as one of its controls changes: one submit event, which htmx
// takes over when the form has hx-get (hx-trigger "submit" only: one request per change).
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form) {
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }
});
// Close a dialog once htmx has swapped its answer into the page.
document.addEventListener("htmx:afterSwap", (event) => {
  const dialog = event.detail.elt.closest && event.detail.elt.closest("dialog");
  if (dialog && dialog.open && event.detail.xhr.status < 400) { dialog.close(); }
});

// ---------------------------------------------------------------------------- file upload
// A French, styled control over the native input (kept in the page, visually hidden): the
// chosen file names are listed, and a file can be dropped on the zone.
(function () {
  function list(control) {
    const input = control.querySelector("input[type=file]");
    const names = control.querySelector("[data-upload-names]");
    if (!input || !names) { return; }
    names.textContent = "";
    const files = Array.from(input.files || []);
    if (!files.length) {
      const item = document.createElement("li");
      item.className = "muted";
      item.textContent = "Aucun fichier choisi.";
      names.appendChild(item);
      return;
    }
    files.forEach((file) => {
      const item = document.createElement("li");
      const size = file.size >= 1048576 ? (file.size / 1048576).toFixed(1).replace(".", ",") + " Mo"
        : Math.max(1, Math.round(file.size / 1024)) + " Ko";
      item.textContent = file.name + " (" + size + ")";
      names.appendChild(item);
    });
  }
  document.addEventListener("change", (event) => {
    const control = event.target.closest && event.target.closest("[data-upload]");
    if (control && event.target.type === "file") { list(control); }
  });
  ["dragenter", "dragover"].forEach((type) => document.addEventListener(type, (event) => {
    const zone = event.target.closest && event.target.closest("[data-upload]");
    if (!zone) { return; }
    event.preventDefault();
    zone.classList.add("upload--over");
  }));
  ["dragleave", "drop"].forEach((type) => document.addEventListener(type, (event) => {
    const zone = event.target.closest && event.target.closest("[data-upload]");
    if (!zone) { return; }
    event.preventDefault();
    zone.classList.remove("upload--over");
    if (type !== "drop" || !event.dataTransfer || !event.dataTransfer.files.length) { return; }
    const input = zone.querySelector("input[type=file]");
    if (!input) { return; }
    const transfer = new DataTransfer();
    Array.from(event.dataTransfer.files).slice(0, input.multiple ? undefined : 1)
      .forEach((file) => transfer.items.add(file));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }));
  function init(root) { root.querySelectorAll("[data-upload]").forEach(list); }
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:load", (event) => init(event.detail.elt.parentElement || document));
})();
