// Moves the mailing's progress bar and counts while it is being sent, without reloading (the page works
// without it: the refresh link). Stops when sending has ended.
(function () {
  'use strict';
  var section = document.querySelector('[data-status-url]');
  if (!section || !window.fetch || section.getAttribute('data-active') !== 'true') return;
  var url = section.getAttribute('data-status-url');
  var bar = document.getElementById('mailing-progress');
  var text = document.getElementById('mailing-progress-text');
  var status = document.getElementById('mailing-status');

  function show(p) {
    bar.value = p.progress;
    bar.textContent = p.progress + '%';
    if (text.textContent !== p.progressText) text.textContent = p.progressText;
    if (status && status.textContent !== p.statusText) {
      status.textContent = p.statusText;
      status.className = 'badge ml-' + p.status;
    }
    Object.keys(p.counts).forEach(function (key) {
      var cell = section.querySelector('[data-count="' + key + '"]');
      if (cell) cell.textContent = String(p.counts[key]);
    });
  }

  function poll() {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (p) {
        if (!p) return setTimeout(poll, 5000);
        show(p);
        if (p.active) return setTimeout(poll, p.status === 'scheduled' ? 15000 : 1000);
        // Sending has ended: the actions shown were for the old status.
        var actions = document.getElementById('actions');
        if (actions && actions.getAttribute('data-status') !== p.status) {
          actions.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
          var note = document.getElementById('status-changed');
          if (note) note.hidden = false;
        }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 500);
})();
