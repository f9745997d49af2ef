// The audience's live count on the mailing and segment forms: the form is posted (as it is) to a JSON
// route while filters change, and the count shown again. Without this script the "count" button does the same.
(function () {
  'use strict';
  var form = document.querySelector('form[data-audience-count-url]');
  var target = document.getElementById('audience-count');
  if (!form || !target || !window.fetch || !window.FormData || !window.URLSearchParams) return;
  var url = form.getAttribute('data-audience-count-url');
  var timer = null;
  var seq = 0;
  var IGNORED = { name: true, segmentName: true, templateId: true, saveSegment: true };

  function update() {
    var data = new URLSearchParams(new FormData(form));
    data.set('action', 'count');
    var mine = ++seq;
    target.setAttribute('aria-busy', 'true');
    fetch(url, {
      method: 'POST',
      body: data,
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (result) {
        if (mine !== seq) return;
        target.removeAttribute('aria-busy');
        if (result && typeof result.html === 'string') target.innerHTML = result.html;
      })
      .catch(function () { if (mine === seq) target.removeAttribute('aria-busy'); });
  }

  function later(event) {
    if (event && event.target && IGNORED[event.target.name]) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(update, event && event.type === 'input' ? 600 : 250);
  }

  form.addEventListener('change', later);
  form.addEventListener('input', function (event) {
    var type = event.target && event.target.type;
    if (type === 'text' || type === 'search') later(event);
  });
  update();
})();
