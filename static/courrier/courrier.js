// Courrier papier: reorder the documents by drag and drop (the « Monter » / « Descendre »
// buttons do the same without a mouse), and a send button that cannot be clicked twice
// (the server debits once anyway).
(function () {
  let dragged = null;

  function submitOrder(list) {
    const form = document.getElementById("order-form");
    if (!form) { return; }
    form.querySelectorAll("input[name=order]").forEach((input) => input.remove());
    list.querySelectorAll("li[data-id]").forEach((item) => {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "order";
      input.value = item.dataset.id;
      form.appendChild(input);
    });
    form.requestSubmit ? form.requestSubmit() : form.submit();
  }

  document.addEventListener("dragstart", (event) => {
    const item = event.target.closest && event.target.closest("#documents li[data-id]");
    if (!item) { return; }
    dragged = item;
    item.classList.add("document--dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.id);
  });

  document.addEventListener("dragover", (event) => {
    const over = event.target.closest && event.target.closest("#documents li[data-id]");
    if (!dragged || !over || over === dragged) { return; }
    event.preventDefault();
    const box = over.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    over.parentNode.insertBefore(dragged, after ? over.nextSibling : over);
  });

  document.addEventListener("drop", (event) => {
    if (dragged && event.target.closest && event.target.closest("#documents")) { event.preventDefault(); }
  });

  document.addEventListener("dragend", () => {
    if (!dragged) { return; }
    const list = dragged.parentNode;
    dragged.classList.remove("document--dragging");
    dragged = null;
    submitOrder(list);
  });

  document.addEventListener("submit", (event) => {
    const button = event.target.querySelector("button[data-once]");
    if (!button) { return; }
    if (button.dataset.sent) { event.preventDefault(); return; }
    button.dataset.sent = "1";
    button.setAttribute("aria-disabled", "true");
  });
})();
