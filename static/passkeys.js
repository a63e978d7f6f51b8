// Passkeys: "Sign in with a passkey" on a login page, and "Add a passkey" on Settings. The
// server's options arrive as JSON with binary fields in base64url; the browser's answers go
// back the same way. Without JavaScript or WebAuthn both stay hidden; the password works.
(function () {
  if (!window.PublicKeyCredential || !navigator.credentials) { return; }

  function bytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out.buffer;
  }
  function text(buffer) {
    if (!buffer) { return null; }
    var view = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < view.length; i++) { raw += String.fromCharCode(view[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function ids(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: bytes(c.id) }); });
  }
  function answered(credential) {
    var r = credential.response;
    var response = { clientDataJSON: text(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = text(r.attestationObject);
      if (r.getTransports) { response.transports = r.getTransports(); }
    } else {
      response.authenticatorData = text(r.authenticatorData);
      response.signature = text(r.signature);
      response.userHandle = text(r.userHandle);
    }
    return {
      id: credential.id,
      rawId: text(credential.rawId),
      type: credential.type,
      response: response,
      extensions: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
    };
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) { throw new Error(json.message || ""); }
        return json;
      });
    });
  }

  // Log in: the device offers this site's passkeys; the answer is posted as a form, so the
  // portal logs the browser in exactly as a password does.
  var login = document.getElementById("passkey-login");
  if (login) {
    var form = document.getElementById("passkey-form");
    var status = document.getElementById("passkey-status");
    login.hidden = false;
    login.addEventListener("click", function () {
      status.textContent = "";
      post("/api/v1/districts/" + login.dataset.slug + "/passkey-login/options", {}).then(function (answer) {
        var o = answer.options.publicKey;
        o.challenge = bytes(o.challenge);
        o.allowCredentials = ids(o.allowCredentials);
        form.elements.ceremony.value = answer.ceremony;
        return navigator.credentials.get({ publicKey: o });
      }).then(function (credential) {
        form.elements.credential.value = JSON.stringify(answered(credential));
        form.submit();
      }).catch(function () {
        status.textContent = status.dataset.failed;
      });
    });
  }

  // Add: the password first, then the device makes the key; the page then lists it.
  var add = document.getElementById("passkey-add");
  if (add) {
    var said = document.getElementById("passkey-add-status");
    add.hidden = false;
    add.addEventListener("submit", function (event) {
      event.preventDefault();
      said.textContent = said.dataset.working;
      var ceremony;
      post("/api/v1/me/passkeys/options", { password: add.elements.password.value }).then(function (answer) {
        ceremony = answer.ceremony;
        var o = answer.options.publicKey;
        o.challenge = bytes(o.challenge);
        o.user.id = bytes(o.user.id);
        o.excludeCredentials = ids(o.excludeCredentials);
        return navigator.credentials.create({ publicKey: o });
      }).then(function (credential) {
        return post("/api/v1/me/passkeys", {
          ceremony: ceremony,
          name: add.elements.name.value || null,
          credential: answered(credential),
        });
      }).then(function () {
        window.location.reload();
      }).catch(function (error) {
        said.textContent = error.message || said.dataset.failed;
      });
    });
  }
})();
