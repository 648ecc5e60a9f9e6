// Résiliation: show the contract fields the chosen reason needs; copy the souscripteur's address.
(function () {
  function applyNeeds() {
    const data = document.getElementById("needs-by-reason");
    const form = document.getElementById("contract-form");
    if (!data || !form) { return; }
    const needs = JSON.parse(data.textContent);
    const checked = form.querySelector("input[name=reason]:checked");
    const current = checked ? needs[checked.value] : null;
    form.querySelectorAll("[data-need]").forEach((block) => {
      const key = block.dataset.need;
      const shown = current ? Boolean(current[key]) : false;
      const hasError = block.querySelector(".field--error");
      block.hidden = !(shown || hasError);
    });
  }
  document.addEventListener("change", (event) => {
    if (event.target.name === "reason") { applyNeeds(); }
  });
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy-to]");
    if (!button) { return; }
    const input = document.getElementById(button.dataset.copyTo);
    if (input) { input.value = button.dataset.copyValue; input.focus(); }
  });
  document.addEventListener("DOMContentLoaded", applyNeeds);
})();
