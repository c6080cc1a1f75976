// Contacts list: "select all on this page" checkbox.
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", () => {
    document.querySelectorAll('#bulk-form input[name="ids"]').forEach((box) => {
      box.checked = all.checked;
    });
  });
});
