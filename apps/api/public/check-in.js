// Check-in at the door: reads the QR code of a confirmation mail with the camera and sends it through
// the code form. Progressive enhancement only: without JavaScript or a camera, the search and the code
// field (which a USB or Bluetooth scanner types into) do the same.
(function () {
  'use strict';
  var box = document.getElementById('camera');
  var toggle = document.getElementById('camera-toggle');
  var reader = document.getElementById('qr-reader');
  var status = document.getElementById('camera-status');
  var form = document.getElementById('code-form');
  var input = document.getElementById('f-code');
  if (!box || !toggle || !reader || !status || !form || !input) return;
  if (!window.Promise || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;

  var scanner = null;
  var running = false;
  var sent = false;
  toggle.hidden = false;

  // The reader (about 370 kB) is fetched only when someone asks for the camera.
  function loadLibrary() {
    return new Promise(function (resolve, reject) {
      if (window.__Html5QrcodeLibrary__) return resolve(window.__Html5QrcodeLibrary__);
      var script = document.createElement('script');
      script.src = '/assets/vendor/html5-qrcode.min.js';
      script.onload = function () {
        if (window.__Html5QrcodeLibrary__) resolve(window.__Html5QrcodeLibrary__);
        else reject(new Error('QR reader did not load'));
      };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function stop() {
    toggle.textContent = box.getAttribute('data-start-label');
    reader.hidden = true;
    if (!scanner || !running) return Promise.resolve();
    running = false;
    return scanner.stop().catch(function () {});
  }

  function onCode(text) {
    if (sent) return;
    sent = true;
    input.value = text;
    stop().then(function () {
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    });
  }

  function start() {
    toggle.disabled = true;
    loadLibrary()
      .then(function (lib) {
        reader.hidden = false;
        scanner = scanner || new lib.Html5Qrcode('qr-reader', { verbose: false, formatsToSupport: [lib.Html5QrcodeSupportedFormats.QR_CODE] });
        return scanner.start({ facingMode: 'environment' }, { fps: 10, qrbox: { width: 240, height: 240 } }, onCode, function () {});
      })
      .then(function () {
        running = true;
        toggle.textContent = box.getAttribute('data-stop-label');
        status.textContent = box.getAttribute('data-reading');
      })
      .catch(function () {
        reader.hidden = true;
        status.textContent = box.getAttribute('data-unavailable');
      })
      .then(function () {
        toggle.disabled = false;
      });
  }

  toggle.addEventListener('click', function () {
    if (running) stop();
    else start();
  });
})();
