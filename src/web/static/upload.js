// odcat workspace: follows a table load without reloading the page (progressive enhancement; the
// page's link shows the current state without script). Polls the page's JSON status once a second
// and reloads the page when the load has finished, to show its outcome.
(function () {
  var box = document.getElementById('load');
  if (!box || !box.dataset.running || !window.fetch) return;
  var bar = document.getElementById('load-progress');
  var status = document.getElementById('load-status');
  var english = document.documentElement.lang === 'en';
  function poll() {
    fetch(box.dataset.status, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) {
        if (s.finished) { location.reload(); return; }
        bar.value = s.done;
        status.textContent = s.done + (english ? ' of ' : ' von ') + s.total
          + (english ? ' rows read.' : ' Zeilen gelesen.');
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
}());
