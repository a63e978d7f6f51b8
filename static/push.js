// Turn on push notifications: asks the browser, subscribes with the portal's VAPID key, and
// registers the subscription for this account. Without JavaScript or push support the
// button stays hidden; the inbox and email work without it.
(function () {
  var button = document.getElementById("push-on");
  var status = document.getElementById("push-status");
  if (!button || !("serviceWorker" in navigator) || !("PushManager" in window)) { return; }
  button.hidden = false;
  // The words, in the page's language, from the status element.
  var words = {
    working: status.dataset.working || "Turning on…",
    blocked: status.dataset.blocked || "Notifications are blocked in this browser's settings.",
    on: status.dataset.on || "Push notifications are on for this device.",
    failed: status.dataset.failed || "Push notifications could not be turned on.",
    tooMany: status.dataset.tooMany || "This account gets push notifications on too many browsers and apps already.",
  };
  function key(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }
  button.addEventListener("click", function () {
    status.textContent = words.working;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { throw new Error(words.blocked); }
      return fetch("/api/v1/push/public-key").then(function (r) { return r.json(); });
    }).then(function (answer) {
      return navigator.serviceWorker.ready.then(function (registration) {
        return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(answer.key) });
      });
    }).then(function (subscription) {
      return fetch("/api/v1/me/push-subscriptions", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(subscription.toJSON()),
      });
    }).then(function (response) {
      status.textContent = response.ok ? words.on : response.status === 409 ? words.tooMany : words.failed;
    }).catch(function (error) {
      status.textContent = error.message || words.failed;
    });
  });
})();
