// "Gérer le cycle amiable": dialogs filled by htmx, and the extension fields shown on "Oui".
(function () {
  function dialog() { return document.getElementById("dialog"); }

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "dialog-content") {
      const box = dialog();
      if (box && !box.open) { box.showModal(); }
      syncExtensionFields(box);
    }
  });
  // A successful answer replaces the row: close the dialog it came from.
  document.addEventListener("htmx:afterRequest", (event) => {
    const box = event.detail.elt.closest && event.detail.elt.closest("dialog");
    if (box && event.detail.successful && event.detail.target && event.detail.target.id !== "dialog-content") {
      box.close();
    }
  });
  document.addEventListener("change", (event) => {
    if (event.target.name === "requested") { syncExtensionFields(event.target.closest("form")); }
  });

  function syncExtensionFields(root) {
    if (!root) { return; }
    const form = root.matches && root.matches("form[data-answer-form]") ? root : root.querySelector("form[data-answer-form]");
    if (!form) { return; }
    const yes = form.querySelector("input[name=requested][value=oui]");
    const fields = form.querySelector("[data-extension-fields]");
    if (fields && yes) { fields.hidden = !yes.checked; }
  }
  document.addEventListener("DOMContentLoaded", () => syncExtensionFields(document));
})();
