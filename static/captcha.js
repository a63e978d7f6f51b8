// The proof-of-work alternative to the CAPTCHA picture: find the number whose SHA-256 with the
// salt matches the challenge, then put it in the answer field. No third party is involved.
(function () {
  "use strict";
  var button = document.getElementById("captcha-pow");
  var field = document.getElementById("captcha_answer");
  var status = document.getElementById("captcha-status");
  if (!button || !field || !window.crypto || !window.crypto.subtle) {
    if (button) { button.hidden = true; }
    return;
  }
  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  button.addEventListener("click", async function () {
    var salt = button.dataset.salt, challenge = button.dataset.challenge;
    var max = parseInt(button.dataset.max, 10);
    var encoder = new TextEncoder();
    button.disabled = true;
    status.textContent = "Working…";
    for (var n = 0; n <= max; n++) {
      var digest = await window.crypto.subtle.digest("SHA-256", encoder.encode(salt + n));
      if (hex(digest) === challenge) {
        field.value = String(n);
        status.textContent = "Done. Press Log In.";
        return;
      }
    }
    status.textContent = "That did not work. Type the letters instead.";
    button.disabled = false;
  });
})();
