// Turn on push notifications: asks the browser, subscribes with the portal's VAPID key, and
// registers the subscription for this account. Without JavaScript or push support the
// button stays hidden; the inbox and email work without it.
(function () {
  var button = document.getElementById("push-on");
  var status = document.getElementById("push-status");
  if (!button || !("serviceWorker" in navigator) || !("PushManager" in window)) { return; }
  button.hidden = false;
  function key(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }
  button.addEventListener("click", function () {
    status.textContent = "Turning on…";
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { throw new Error("Notifications are blocked in this browser's settings."); }
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
      status.textContent = response.ok ? "Push notifications are on for this device." : "Push notifications could not be turned on.";
    }).catch(function (error) {
      status.textContent = error.message || "Push notifications could not be turned on.";
    });
  });
})();
