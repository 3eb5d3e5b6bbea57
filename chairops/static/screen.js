// Progressive enhancement: show the lower-back questions only when lower back is ticked.
// Without JavaScript they are always shown, and ignored by the server unless lower back is ticked.
(function () {
  var box = document.getElementById("area-lower_back");
  var extra = document.getElementById("low-back-questions");
  if (!box || !extra) return;
  // Number what is shown: 1, 2, 3 ... with no gap where the hidden questions were.
  function renumber() {
    var n = 0;
    document.querySelectorAll("form.screen .q-number").forEach(function (el) {
      if (el.closest("[hidden]")) return;
      n += 1;
      el.textContent = n + ".";
    });
  }
  function sync() { extra.hidden = !box.checked; renumber(); }
  box.addEventListener("change", sync);
  var none = document.getElementById("area-none");
  if (none) {
    none.addEventListener("change", function () {
      if (!none.checked) return;
      document.querySelectorAll("input[name=pain_areas]").forEach(function (el) { el.checked = false; });
      sync();
    });
    document.querySelectorAll("input[name=pain_areas]").forEach(function (el) {
      el.addEventListener("change", function () { if (el.checked) none.checked = false; });
    });
  }
  sync();
})();
