// Progressive enhancement: show the lower-back questions only when lower back is ticked.
// Without JavaScript they are always shown, and ignored by the server unless lower back is ticked.
(function () {
  var box = document.getElementById("area-lower_back");
  var extra = document.getElementById("low-back-questions");
  if (!box || !extra) return;
  function sync() { extra.hidden = !box.checked; }
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
