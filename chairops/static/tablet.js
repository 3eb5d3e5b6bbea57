// The chair page at arm's length: keep the queue fresh, send taps without a reload (so the
// therapist stays where they were on the page), and run the step timer. Without this file
// every tap still works: the page comes back at the place it was tapped (#anchor).
(function () {
  var box = document.getElementById("queue");
  if (!box || !window.fetch || !window.DOMParser) return;
  var url = box.getAttribute("data-live-url");
  var etag = null;
  var busy = false;
  var applied = 0; // taps answered so far: a poll sent before one must not undo what it showed

  function swapQueue(html) {
    var open = box.querySelector("details.done[open]");
    box.innerHTML = html;
    if (open) { var details = box.querySelector("details.done"); if (details) details.open = true; }
    startTimer();
  }

  function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    var sentAfter = applied;
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 200) {
          return response.text().then(function (html) {
            if (sentAfter !== applied) return; // a tap's answer is newer: drop this poll's queue
            etag = response.headers.get("ETag");
            swapQueue(html);
          });
        }
        if (response.status === 401 || response.redirected) window.location.reload();
      })
      .catch(function () { /* offline for a moment: try again next tick */ })
      .then(function () { busy = false; });
  }

  // --- Taps: post the form with fetch, then take the new queue, tools and messages ---
  var toasts = document.getElementById("flash-area");

  function toast(nodes) {
    toasts.innerHTML = "";
    nodes.forEach(function (node) { toasts.appendChild(node); });
    if (nodes.length) setTimeout(function () { toasts.innerHTML = ""; }, 6000);
  }

  function apply(html, finalUrl) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var queue = doc.getElementById("queue");
    if (!queue) { window.location.href = finalUrl; return; } // signed out: follow the page
    applied += 1;
    swapQueue(queue.innerHTML);
    etag = null;
    var tools = doc.getElementById("tools");
    var mine = document.getElementById("tools");
    if (tools && mine) {
      var walkIn = mine.querySelector("details.walk-in-tool");
      var keepOpen = walkIn && walkIn.open && doc.querySelector("main > .flash-error");
      mine.innerHTML = tools.innerHTML;
      if (keepOpen) mine.querySelector("details.walk-in-tool").open = true;
    }
    toast(Array.prototype.slice.call(doc.querySelectorAll("main > .flash")));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest || !(form.id === "queue-action" || form.closest("#tools"))) return;
    event.preventDefault();
    var button = event.submitter;
    var action = (button && button.getAttribute("formaction")) || form.getAttribute("action");
    var data = new FormData(form);
    if (button && button.name) data.append(button.name, button.value);
    if (button) button.disabled = true;
    fetch(action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) { apply(html, response.url); });
      })
      .catch(function () {
        if (button) button.disabled = false;
        var note = document.createElement("p");
        note.className = "flash flash-error";
        note.textContent = "No connection just now: nothing was changed. Tap again.";
        toast([note]);
      });
  });

  // --- The step timer: which step to be on, from when the session started ---
  var timerHandle = null;
  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function startTimer() {
    if (timerHandle) { clearInterval(timerHandle); timerHandle = null; }
    var timer = box.querySelector(".step-timer[data-started]");
    if (!timer) return;
    // Elapsed time from the server's clock, so a tablet whose own clock is off still agrees.
    var elapsedAtLoad = (Date.parse(timer.getAttribute("data-now")) - Date.parse(timer.getAttribute("data-started"))) / 1000;
    var loadedAt = performance.now();
    var steps = Array.prototype.slice.call(timer.querySelectorAll("li[data-start]"));
    var number = timer.querySelector(".step-number");
    var left = timer.querySelector(".step-left");
    function tick() {
      var elapsed = elapsedAtLoad + (performance.now() - loadedAt) / 1000;
      var current = steps.length - 1;
      for (var i = 0; i < steps.length; i++) {
        if (elapsed < parseFloat(steps[i].getAttribute("data-end"))) { current = i; break; }
      }
      steps.forEach(function (step, i) {
        step.classList.toggle("current", i === current);
        step.classList.toggle("past", i < current);
        if (i === current) step.setAttribute("aria-current", "step"); else step.removeAttribute("aria-current");
      });
      var remaining = Math.max(0, parseFloat(steps[current].getAttribute("data-end")) - elapsed);
      if (number) number.textContent = String(current + 1);
      if (left) {
        var secs = Math.floor(remaining);
        left.textContent = remaining > 0 ? Math.floor(secs / 60) + ":" + pad(secs % 60) + " left" : "time is up";
      }
    }
    tick();
    timerHandle = setInterval(tick, 1000);
  }

  startTimer();
  setInterval(refresh, 3000);
  document.addEventListener("visibilitychange", refresh);
})();
