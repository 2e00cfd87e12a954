// The kit page's live regions: Server-Sent Events from /events, else polling /fragment.
// Each message is JSON {region id: {key, html}}; a region is replaced only when its key
// changed, so a form being filled in is never wiped by an update that does not concern it.
// Countdowns ([data-remaining]) tick on the phone's own clock from when they arrived.
(function () {
  "use strict";
  var view = document.body.getAttribute("data-view");
  if (!view) { return; }
  var query = "?view=" + encodeURIComponent(view);

  function arm(root) {
    var now = performance.now() / 1000;
    root.querySelectorAll("[data-remaining]").forEach(function (el) {
      el.setAttribute("data-until", String(now + parseFloat(el.getAttribute("data-remaining"))));
    });
  }

  function tick() {
    var now = performance.now() / 1000;
    document.querySelectorAll("[data-until]").forEach(function (el) {
      var left = Math.max(0, Math.round(parseFloat(el.getAttribute("data-until")) - now));
      el.textContent = el.getAttribute("data-format").replace("{seconds}", String(left));
    });
  }

  function apply(regions) {
    Object.keys(regions).forEach(function (id) {
      var el = document.getElementById(id);
      var region = regions[id];
      if (!el || el.getAttribute("data-key") === region.key) { return; }
      var holder = document.createElement("div");
      holder.innerHTML = region.html;  // rendered and escaped by the server's templates
      var fresh = holder.firstElementChild;
      if (!fresh) { return; }
      el.replaceWith(fresh);
      arm(fresh);
    });
  }

  var polling = null;
  function poll() {
    fetch("/fragment" + query, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { apply(data); } })
      .catch(function () {});
  }
  function startPolling() {
    if (polling === null) { polling = setInterval(poll, 2000); poll(); }
  }

  arm(document);
  setInterval(tick, 1000);
  tick();
  if (!window.EventSource) { startPolling(); return; }
  var failures = 0;
  var source = new EventSource("/events" + query);
  source.addEventListener("regions", function (event) {
    failures = 0;
    apply(JSON.parse(event.data));
  });
  source.onerror = function () {
    failures += 1;
    if (failures >= 3) { source.close(); startPolling(); }
  };
})();
