// The sandbox bank sends its signed notification back through the browser: submit it at once.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-payment-return]");
  if (form) { form.submit(); }
});
