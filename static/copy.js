// Copy buttons: copies the button's data-copy text. Without JavaScript the code is still
// shown on the page to copy by hand. The status element carries the words in the page's
// language (data-copied, data-failed).
(function () {
  var button = document.getElementById("copy-code");
  var status = document.getElementById("copy-status");
  if (!button || !navigator.clipboard) { if (button) { button.hidden = true; } return; }
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      status.textContent = status.dataset.copied || "Copied.";
    }, function () {
      status.textContent = status.dataset.failed || "Copy it by hand.";
    });
  });
})();
