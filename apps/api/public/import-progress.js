// Moves the import's progress bar without reloading (the page works without it: the refresh link).
(function () {
  'use strict';
  var section = document.querySelector('[data-progress-url]');
  if (!section || !window.fetch) return;
  var url = section.getAttribute('data-progress-url');
  var bar = document.getElementById('import-progress-bar');
  var text = document.getElementById('import-progress-text');
  function poll() {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (p) {
        if (!p) return setTimeout(poll, 5000);
        bar.max = p.totalRows || 1;
        bar.value = p.processedRows;
        text.textContent = p.text;
        if (p.status === 'queued' || p.status === 'running') setTimeout(poll, 1500);
        else window.location.reload();
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1500);
})();
