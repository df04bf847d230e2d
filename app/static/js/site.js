// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  const perPage = document.querySelector("form.per-page select");
  if (perPage) perPage.addEventListener("change", () => perPage.form.submit());
});
