// Draws the target's figure over the months with Chart.js, from the data table that is always in the
// page (for screen readers and without JavaScript the table is the chart). No inline code: CSP 'self'.
(function () {
  'use strict';
  var box = document.getElementById('target-chart-box');
  var canvas = document.getElementById('target-chart');
  var table = document.getElementById('target-chart-data');
  if (!box || !canvas || !table || typeof window.Chart !== 'function') return;
  var rows = Array.prototype.slice.call(table.querySelectorAll('tbody tr[data-month]'));
  if (!rows.length) return;
  var num = function (v) { return v === '' || v === null ? null : Number(v); };
  var labels = rows.map(function (r) { return r.getAttribute('data-label'); });
  var values = rows.map(function (r) { return num(r.getAttribute('data-value')); });
  var expected = rows.map(function (r) { return num(r.getAttribute('data-expected')); });
  var target = Number(canvas.getAttribute('data-target'));
  box.hidden = false;
  // eslint-disable-next-line no-new
  new window.Chart(canvas, {
    type: 'line',
    data: {
      labels: labels,
      datasets: [
        { label: canvas.getAttribute('data-value-label'), data: values, borderColor: '#00566f', backgroundColor: 'rgba(0, 86, 111, 0.15)', fill: true, tension: 0.15, pointRadius: 3, spanGaps: false },
        { label: canvas.getAttribute('data-expected-label'), data: expected, borderColor: '#8a4b00', borderDash: [6, 4], pointRadius: 0, fill: false },
        { label: canvas.getAttribute('data-target-label'), data: labels.map(function () { return target; }), borderColor: '#4a5560', borderWidth: 1, pointRadius: 0, fill: false },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: true,
      aspectRatio: window.matchMedia && window.matchMedia('(max-width: 576px)').matches ? 1.2 : 2.4,
      interaction: { mode: 'index', intersect: false },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
})();
