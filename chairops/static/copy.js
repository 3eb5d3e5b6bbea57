// Copy and print buttons (data-copy names the field to copy; data-print prints the page).
// Without JavaScript they stay hidden: the text can still be selected, the page printed.
(function () {
  var status = document.getElementById("copy-status");

  function copied(button, label) {
    button.textContent = "Copied";
    if (status) status.textContent = "Copied to the clipboard.";
    setTimeout(function () { button.textContent = label; }, 2000);
  }

  function copy(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var label = button.textContent;
    if (!field) return;
    var done = function () { copied(button, label); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { fallback(field, done); });
    } else {
      fallback(field, done);
    }
  }

  function fallback(field, done) {
    field.focus();
    field.select();
    try { if (document.execCommand("copy")) done(); } catch (e) { /* the text stays selected */ }
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { copy(button); });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
