"""Logging a demo account in through the API, as a family's app does: run.py takes the tokens
it hands schemathesis from here, and hooks.py logs in again here when a fuzzed request ended
the token it was using."""

import json
import urllib.error
import urllib.request


class LoginFailed(Exception):
    pass


def post_json(url, body, headers=None):
    """POSTs `body` as JSON; the status and the decoded answer, whatever the status."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        text = err.read().decode(errors="replace")
        try:
            return err.code, json.loads(text)
        except ValueError:
            return err.code, {"error": None, "message": text}


def log_in(account):
    """A fresh app token for `account` (base, slug, portal, username, password, captcha, and
    the device an app logs in with and the address it comes from, if any).

    The address, sent as `X-Forwarded-For` to a server that trusts the loopback proxy, keeps
    the family's logins apart from the fuzzer's failures and CAPTCHA challenges, which are
    counted and capped by address. Should a CAPTCHA still be asked for, it is answered with
    the test environment's fixed answer, as the browser tests do.
    """
    url = f"{account['base']}/api/v1/districts/{account['slug']}/login"
    body = {
        "portal": account["portal"],
        "username": account["username"],
        "password": account["password"],
    }
    if account.get("device"):
        body["device"] = account["device"]
    headers = {"X-Forwarded-For": account["address"]} if account.get("address") else {}
    for _ in range(3):
        status, answer = post_json(url, body, headers)
        if status == 200:
            return answer["token"]
        challenge = answer.get("captcha")
        if answer.get("error") not in ("captcha_required", "captcha_invalid") or not challenge:
            break
        body["captcha"] = {"id": challenge["id"], "answer": account["captcha"]}
    raise LoginFailed(f"{account['username']} could not log in: {status} {answer}")
