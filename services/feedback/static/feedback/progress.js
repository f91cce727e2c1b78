// Polls the analysis run while it is queued or running and reloads the page when it is done.
(function () {
  var box = document.getElementById("analysis");
  if (!box || box.dataset.running !== "1") return;
  var stage = document.getElementById("run-stage"), bar = document.getElementById("run-progress");
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (run) {
      bar.value = run.progress; bar.textContent = run.progress + " %";
      stage.textContent = run.stage + " (" + run.progress + " %)";
      if (run.status === "done" || run.status === "failed") { window.location.reload(); return; }
      setTimeout(poll, 1000);
    }).catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
