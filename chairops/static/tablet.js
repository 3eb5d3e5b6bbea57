// Keep the chair's queue fresh without a reload: poll the live fragment; 304 means unchanged.
(function () {
  var box = document.getElementById("queue");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-live-url");
  var etag = null;
  var busy = false;
  function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 200) {
          etag = response.headers.get("ETag");
          return response.text().then(function (html) {
            var open = box.querySelector("details.done[open]");
            box.innerHTML = html;
            if (open) { var details = box.querySelector("details.done"); if (details) details.open = true; }
          });
        }
        if (response.status === 401 || response.redirected) window.location.reload();
      })
      .catch(function () { /* offline for a moment: try again next tick */ })
      .then(function () { busy = false; });
  }
  setInterval(refresh, 3000);
  document.addEventListener("visibilitychange", refresh);
})();
