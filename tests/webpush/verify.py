"""Checks a Web Push request with implementations independent of Homeroom's: http_ece
decrypts the aes128gcm body (RFC 8291) with the subscriber's private key and auth secret,
and the VAPID token (RFC 8292) is verified with the cryptography package.

Reads JSON on stdin: {"private_key", "auth", "body", "authorization", "audience"}, all
base64url where binary. Prints the decrypted payload, or exits non-zero with the reason.
"""
import base64
import json
import sys
import time

import http_ece
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def main():
    request = json.load(sys.stdin)
    private_value = int.from_bytes(b64(request["private_key"]), "big")
    private_key = ec.derive_private_key(private_value, ec.SECP256R1())
    plaintext = http_ece.decrypt(
        b64(request["body"]),
        private_key=private_key,
        auth_secret=b64(request["auth"]),
        version="aes128gcm",
    )

    scheme, _, params = request["authorization"].partition(" ")
    if scheme != "vapid":
        sys.exit("not a vapid authorization: " + scheme)
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    token, key = fields["t"], fields["k"]
    header, claims, signature = token.split(".")
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64(key))
    raw = b64(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public_key.verify(der, (header + "." + claims).encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(b64(claims))
    if json.loads(b64(header)).get("alg") != "ES256":
        sys.exit("the token is not ES256")
    if claims["aud"] != request["audience"]:
        sys.exit("aud %r is not %r" % (claims["aud"], request["audience"]))
    if not time.time() < claims["exp"] <= time.time() + 24 * 3600:
        sys.exit("exp is not within the next 24 hours")
    if not claims.get("sub", "").startswith(("mailto:", "https:")):
        sys.exit("sub is not a contact")
    sys.stdout.write(plaintext.decode())


if __name__ == "__main__":
    main()
