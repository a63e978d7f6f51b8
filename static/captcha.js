// The proof-of-work alternative to the CAPTCHA picture: find the number whose SHA-256 with the
// salt matches the challenge, then put it in the answer field. No third party is involved.
// SHA-256 is computed here rather than with crypto.subtle: one await per number would make a
// puzzle of a million numbers take many seconds, while this loop takes about one.
(function () {
  "use strict";
  var button = document.getElementById("captcha-pow");
  var field = document.getElementById("captcha_answer");
  var status = document.getElementById("captcha-status");
  if (!button || !field || !window.Uint32Array || !window.TextEncoder) {
    if (button) { button.hidden = true; }
    return;
  }
  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);
  var W = new Uint32Array(64);
  var H = new Uint32Array(8);

  // SHA-256 of a message of at most 55 bytes (one block), into H.
  function sha256(bytes) {
    var i;
    for (i = 0; i < 16; i++) { W[i] = 0; }
    for (i = 0; i < bytes.length; i++) { W[i >> 2] |= bytes[i] << (24 - (i & 3) * 8); }
    W[bytes.length >> 2] |= 0x80 << (24 - (bytes.length & 3) * 8);
    W[15] = bytes.length * 8;
    for (i = 16; i < 64; i++) {
      var w15 = W[i - 15], w2 = W[i - 2];
      var s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      var s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
    }
    var a = 0x6a09e667, b = 0xbb67ae85, c = 0x3c6ef372, d = 0xa54ff53a;
    var e = 0x510e527f, f = 0x9b05688c, g = 0x1f83d9ab, h = 0x5be0cd19;
    for (i = 0; i < 64; i++) {
      var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      var t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
      var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      var t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    H[0] = a + 0x6a09e667; H[1] = b + 0xbb67ae85; H[2] = c + 0x3c6ef372; H[3] = d + 0xa54ff53a;
    H[4] = e + 0x510e527f; H[5] = f + 0x9b05688c; H[6] = g + 0x1f83d9ab; H[7] = h + 0x5be0cd19;
  }

  // The number in 0..=max whose digest with the salt is `challenge` (hex), or -1. Works in
  // slices so that the page stays responsive; `done` gets the result.
  function solve(salt, challenge, max, done) {
    var target = new Uint32Array(8);
    for (var t = 0; t < 8; t++) { target[t] = parseInt(challenge.substr(t * 8, 8), 16); }
    var prefix = new TextEncoder().encode(salt);
    var bytes = new Uint8Array(prefix.length + 10);
    bytes.set(prefix);
    var n = 0;
    if (prefix.length + 10 > 55) { return done(-1); }
    function slice() {
      var end = Math.min(n + 50000, max + 1);
      for (; n < end; n++) {
        var digits = String(n), length = prefix.length + digits.length;
        for (var i = 0; i < digits.length; i++) { bytes[prefix.length + i] = digits.charCodeAt(i); }
        sha256(bytes.subarray(0, length));
        if (H[0] === target[0] && H[1] === target[1] && H[2] === target[2] && H[3] === target[3] &&
            H[4] === target[4] && H[5] === target[5] && H[6] === target[6] && H[7] === target[7]) {
          return done(n);
        }
      }
      if (n > max) { return done(-1); }
      setTimeout(slice, 0);
    }
    slice();
  }

  button.addEventListener("click", function () {
    var max = parseInt(button.dataset.max, 10);
    button.disabled = true;
    status.textContent = status.dataset.working || "Working…";
    solve(button.dataset.salt, button.dataset.challenge, max, function (n) {
      if (n >= 0) {
        field.value = String(n);
        status.textContent = status.dataset.done || "Done. Press the button below to go on.";
        return;
      }
      status.textContent = status.dataset.failed || "That did not work. Type the letters instead.";
      button.disabled = false;
    });
  });
})();
