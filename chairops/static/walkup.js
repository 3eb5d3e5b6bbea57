// Keep a walk-up line fragment fresh without a reload: poll its URL; 304 means unchanged.
// The place page without JavaScript reloads itself instead (a meta refresh inside <noscript>).
(function () {
  if (!window.fetch) return;
  var boxes = document.querySelectorAll("[data-walkup-live]");
  Array.prototype.forEach.call(boxes, function (box) {
    var url = box.getAttribute("data-walkup-live");
    var etag = null;
    var busy = false;
    function status() {
      var state = box.querySelector("[data-status]");
      return state ? state.getAttribute("data-status") : null;
    }
    function refresh() {
      if (busy || document.hidden) return;
      busy = true;
      var before = status();
      var headers = etag ? { "If-None-Match": etag } : {};
      fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (response.status === 200) {
            etag = response.headers.get("ETag");
            return response.text().then(function (html) {
              box.innerHTML = html;
              var state = box.querySelector("[data-status]");
              if (state && state.getAttribute("data-title")) document.title = state.getAttribute("data-title");
              if (before !== "called" && status() === "called" && navigator.vibrate) navigator.vibrate([300, 150, 300]);
            });
          }
          if (response.status === 401 || response.redirected) window.location.reload();
        })
        .catch(function () { /* offline for a moment: try again next tick */ })
        .then(function () { busy = false; });
    }
    setInterval(refresh, 5000);
    document.addEventListener("visibilitychange", refresh);
  });
})();
