// The report's print button (printing works without it: the browser's own print command).
(function () {
  'use strict';
  var button = document.getElementById('print-report');
  if (!button || typeof window.print !== 'function') return;
  button.hidden = false;
  button.addEventListener('click', function () { window.print(); });
})();
