// While a billing run is queued or running, ask for its status every few seconds and show it;
// once it has finished, load the page again so that the statements appear.
(function () {
  var box = document.getElementById("run-status");
  if (!box || box.dataset.pending !== "true") return;
  var label = box.querySelector('[data-field="label"]');
  var last = box.querySelector('[data-field="last_run_at"]');
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(poll, 5000); return; }
        label.textContent = state.label;
        last.textContent = state.last_run_at || "–";
        if (state.run_pending) { window.setTimeout(poll, 2000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1500);
})();
