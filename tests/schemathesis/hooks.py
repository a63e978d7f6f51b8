"""Schemathesis hooks for run.py: every request carries the demo parent's app token, and a
token that a fuzzed request ended (`POST /api/v1/logout`, or `DELETE /api/v1/me/sessions/{id}`
drawing its own id) is replaced by a new login, after which schemathesis sends the request
that got 401 again (its default `retry_on=[401]`). So those routes are fuzzed like the others
without leaving the rest of the run logged out. run.py passes the account in
HOMEROOM_FUZZ_ACCOUNT (JSON)."""

import json
import os
import sys

import schemathesis

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from login import log_in  # noqa: E402

ACCOUNT = json.loads(os.environ["HOMEROOM_FUZZ_ACCOUNT"])


@schemathesis.auth()
class FamilyToken:
    def get(self, case, context):
        return log_in(ACCOUNT)

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
