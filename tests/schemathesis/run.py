#!/usr/bin/env python3
"""Fuzzes the JSON API against its own OpenAPI document with schemathesis.

Starts the built binary (HOMEROOM_BIN, default target/debug/homeroom) with `serve --demo` on a
free port and a fresh SQLite database in a temporary folder, logs the demo parent in through
the API, and runs `schemathesis run …/api/v1/openapi.json --checks all` with its token: no
answer may be a server error, and every answer must be one the document declares, in the
shape it declares. Fixed seed, bounded examples. Exits non-zero on any failure; the server is
stopped whatever happens.

    cargo build --bin homeroom && .venv/bin/python tests/schemathesis/run.py

Extra arguments go to the run over every route but the password change (for example
`--include-path-regex students`).
SCHEMATHESIS_EXAMPLES (default 40) sets the examples per operation, SCHEMATHESIS_SEED (1) the
seed; SCHEMATHESIS_KEEP=1 keeps the temporary folder (the database, server.log).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, str(HERE))
from login import log_in  # noqa: E402

# The letters every CAPTCHA shows in the test environment.
CAPTCHA_ANSWER = "TESTS"
SEED = os.environ.get("SCHEMATHESIS_SEED", "1")
EXAMPLES = os.environ.get("SCHEMATHESIS_EXAMPLES", "40")
PASSWORD_ROUTE = "/api/v1/me/password"
# Removing the authenticator app also takes the current password.
SECOND_FACTOR_ROUTE = "/api/v1/me/second-factor/totp"
# And so does starting to register a passkey.
PASSKEY_ROUTE = "/api/v1/me/passkeys/options"
# Where the family's phone is (a documentation address, RFC 5737).
FAMILY_ADDRESS = "192.0.2.10"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Portal:
    """`homeroom serve --demo` on a free port with its own database, until `stop`."""

    def __init__(self, binary, workdir):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOMEROOM_")}
        env.update(
            HOMEROOM_DATABASE_URL=f"sqlite://{workdir / 'db.sqlite'}",
            HOMEROOM_ENVIRONMENT="test",
            HOMEROOM_TEST_CAPTCHA_ANSWER=CAPTCHA_ANSWER,
            # The family's logins come "through" the loopback proxy from an address of their
            # own (login.py), the fuzzer's straight from 127.0.0.1.
            HOMEROOM_TRUSTED_PROXIES="127.0.0.1",
            HOMEROOM_OUTBOX_DIR=str(workdir / "outbox"),
            # A domain name, so that the passkey routes are offered (WebAuthn wants one).
            HOMEROOM_PUBLIC_URL=f"http://localhost:{self.port}/",
            HOMEROOM_LOG=os.environ.get("HOMEROOM_LOG", "warn"),
        )
        self.binary, self.workdir, self.env = binary, workdir, env
        self.log_path = workdir / "server.log"
        self.log = open(self.log_path, "wb")
        self.stdout = ""
        self.process = subprocess.Popen(
            [str(binary), "serve", "--demo", "--bind", f"127.0.0.1:{self.port}"],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        threading.Thread(target=self._read_stdout, daemon=True).start()

    def _read_stdout(self):
        for line in self.process.stdout:
            self.stdout += line

    def wait_ready(self, seconds=120):
        """Ready when it has printed the demo logins and /readyz answers."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"homeroom serve exited ({self.process.returncode}):\n{self.logs()}")
            if "Logins" in self.stdout:
                try:
                    with urllib.request.urlopen(f"{self.base}/readyz", timeout=5) as r:
                        if r.status == 200:
                            time.sleep(0.2)  # the demo's last lines
                            return
                except OSError:
                    pass
            time.sleep(0.2)
        sys.exit(f"homeroom serve was not ready within {seconds} s:\n{self.stdout}\n{self.logs()}")

    def homeroom(self, *args):
        """Runs `homeroom ARGS…` against the same database."""
        subprocess.run([str(self.binary), *args], cwd=self.workdir, env=self.env, check=True)

    def demo_login(self, kind):
        """The demo login `serve --demo` printed for `kind` (parent, student, staff)."""
        line = re.compile(
            r"^\s*(\w+)\s+https?://\S+/d/([\w-]+)/\w+\s+username (\S+)\s+password \"([^\"]*)\"",
            re.M,
        )
        for m in line.finditer(self.stdout):
            if m.group(1) == kind:
                return {
                    "base": self.base,
                    "slug": m.group(2),
                    "portal": kind,
                    "username": m.group(3),
                    "password": m.group(4),
                    "captcha": CAPTCHA_ANSWER,
                }
        sys.exit(f"serve --demo printed no {kind} login:\n{self.stdout}")

    def logs(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def schemathesis(portal, workdir, extra, env=None):
    """One schemathesis run over the whole document; True when nothing failed."""
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file", str(HERE / "schemathesis.toml"),
        "run",
        f"{portal.base}/api/v1/openapi.json",
        "--checks", "all",
        "--seed", SEED,
        "--max-examples", EXAMPLES,
        # Examples found failing are not kept between runs: each run draws the same requests.
        "--generation-database", "none",
        "--no-color",
        # Failures are shown as sent: the tokens and passwords are the demo's, on a server that
        # ends with the run.
        "--output-sanitize", "false",
        *extra,
    ]
    print("==", " ".join(command), flush=True)
    return subprocess.run(command, cwd=workdir, env={**os.environ, **(env or {})}).returncode == 0


def main():
    binary = Path(os.environ.get("HOMEROOM_BIN", REPO / "target/debug/homeroom")).resolve()
    if not binary.exists():
        sys.exit(f"no binary at {binary}: run `cargo build --bin homeroom` first (or set HOMEROOM_BIN)")
    # SIGTERM (a CI timeout) unwinds like Ctrl-C, through the `finally` that stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="homeroom-schemathesis-"))
    portal = None
    started = time.monotonic()
    try:
        portal = Portal(binary, workdir)
        portal.wait_ready()
        # As the family's phone app logs in: from its own address, with its device (which
        # `POST /api/v1/me/devices` falls back on when a registration names none).
        parent = {
            **portal.demo_login("parent"),
            "address": FAMILY_ADDRESS,
            "device": {"id": "schemathesis-phone", "name": "Fuzzing phone", "platform": "android"},
        }
        log_in(parent)  # fails here, clearly, rather than as 401s all through the run
        # Forgot your password? / username? answer `feature_disabled` until a district turns
        # them on: on, so that their routes are fuzzed past that.
        for feature in ("forgot_password", "forgot_username"):
            portal.homeroom("district", "set", parent["slug"], feature, "on")
        extra = sys.argv[1:]
        # Every route but the password change, as the parent. Logging out and ending its own
        # session are fuzzed too: hooks.py logs in again when the token has ended.
        everything = schemathesis(
            portal,
            workdir,
            [
                "--exclude-path", PASSWORD_ROUTE,
                "--exclude-path", SECOND_FACTOR_ROUTE,
                "--exclude-path", PASSKEY_ROUTE,
                *extra,
            ],
            env={
                "SCHEMATHESIS_HOOKS": str(HERE / "hooks.py"),
                "HOMEROOM_FUZZ_ACCOUNT": json.dumps(parent),
            },
        )
        # The password change (and the app's removal, which takes the password too) last, on a
        # token of its own: each wrong current password counts
        # against the account like a failed login and soon locks its logins, which the run
        # above needs to log in again. The token itself survives (a change ends only the
        # account's other sessions), so a fixed one will do.
        password = schemathesis(
            portal,
            workdir,
            [
                "--include-path", PASSWORD_ROUTE,
                "--include-path", SECOND_FACTOR_ROUTE,
                "--include-path", PASSKEY_ROUTE,
                "--header", f"Authorization: Bearer {log_in(parent)}",
            ],
        )
        errors = [l for l in portal.logs().splitlines() if "internal error" in l]
        if errors:
            print("The server logged internal errors:", *errors[:20], sep="\n  ")
        ok = everything and password and not errors
        print(f"== schemathesis {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.0f} s")
        return 0 if ok else 1
    finally:
        if portal is not None:
            portal.stop()
        if os.environ.get("SCHEMATHESIS_KEEP"):
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
