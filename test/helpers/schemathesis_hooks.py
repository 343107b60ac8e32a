"""schemathesis hooks of the API fuzz test (issue 22; test/integration/api-fuzz.test.ts).

Loaded by schemathesis through SCHEMATHESIS_HOOKS. Two modes, chosen by the environment:

- LEDGER_FUZZ_SIGNERS names a JSON file (mode 0600, written by the test) of keys the chain
  registers: every request schemathesis sends (but a negative case whose Signature header it made
  invalid on purpose) is signed with one of them as an RFC 9421 HTTP
  Message Signature in exactly the project's profile (producers/http-signature.ts, checked by
  api/request-auth.ts): covered components ("@method" "@authority" "@path" "@query"), plus
  "content-digest" (RFC 9530, sha-256) when the request has a body; parameters created, nonce,
  keyid, alg="ed25519" in that order; label `ledger`. The signature is made on the prepared
  request (a `requests` auth object), so it covers the target as it goes on the wire, after
  requests and urllib3 have encoded it. The signer of an operation is the first key whose
  `forRoles` meets the operation's `x-roles` (api/openapi.ts), or that has no `forRoles`.
  The keys are registered through schemathesis's auth mechanism, so its `ignored_auth` check
  also sends each signed operation unsigned and with a forged Signature and expects 401/403.
- Without it, no request is signed and the check `unsigned_refused` requires that every
  operation the document does not mark public is refused with 401 or 403 and an error code.

Nothing here prints a key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import time
from urllib.parse import urlsplit

import requests.auth
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from schemathesis.core.parameters import ParameterLocation

try:
    # urllib3 percent-encodes what the target may not hold, and upper-cases percent escapes, as it
    # sends the request (connectionpool.urlopen); the signature must cover the target it sends.
    from urllib3.util.url import _encode_target
except ImportError as exc:  # a urllib3 without it changed how targets are sent: say so, do not guess
    raise ImportError("urllib3.util.url._encode_target is gone: update test/helpers/schemathesis_hooks.py for this urllib3") from exc

LABEL = "ledger"
REQUIRED_COMPONENTS = ("@method", "@authority", "@path", "@query")
BODY_COMPONENT = "content-digest"
DEFAULT_PORTS = {"http": 80, "https": 443}


def content_digest_of(body: bytes) -> str:
    """RFC 9530 Content-Digest with SHA-256 (producers/http-signature.ts contentDigestOf)."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


def signature_params_text(components: list[str], created: int, nonce: str, keyid: str) -> str:
    """The `@signature-params` value of the profile (producers/http-signature.ts signatureParamsText)."""
    inner = " ".join(f'"{c}"' for c in components)
    return f'({inner});created={created};nonce="{nonce}";keyid="{keyid}";alg="ed25519"'


def signature_base(method: str, authority: str, path: str, query: str, content_digest: str | None, params_text: str) -> bytes:
    """The signature base (RFC 9421 section 2.5) as producers/http-signature.ts signatureBase builds it."""
    lines = [
        f'"@method": {method.upper()}',
        f'"@authority": {authority.lower()}',
        f'"@path": {path}',
        # RFC 9421 section 2.2.7: the query with its leading "?"; an absent query is "?"
        f'"@query": ?{query}',
    ]
    if content_digest is not None:
        lines.append(f'"{BODY_COMPONENT}": {content_digest.strip()}')
    lines.append(f'"@signature-params": {params_text}')
    return "\n".join(lines).encode("utf-8")


def authority_of(url: str) -> str:
    """host[:port] as urllib3 sends it in Host (the port only when not the scheme's default)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    return host if port is None or port == DEFAULT_PORTS.get(parts.scheme) else f"{host}:{port}"


class Rfc9421Signer(requests.auth.AuthBase):
    """Signs a prepared request with an Ed25519 key registered on chain, a fresh nonce and the time now."""

    def __init__(self, keyid: str, seed: bytes) -> None:
        if len(seed) != 32:
            raise ValueError(f"{keyid}: an Ed25519 seed is 32 bytes")
        self.keyid = keyid
        self._key = Ed25519PrivateKey.from_private_bytes(seed)

    def __repr__(self) -> str:  # schemathesis may print the auth object: never the key
        return f"Rfc9421Signer({self.keyid})"

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        body = r.body
        if isinstance(body, str):
            # sent as these bytes (requests would send a str as latin-1); the digest must be of them
            body = body.encode("utf-8")
            r.body = body
        if body is not None and not isinstance(body, (bytes, bytearray)):
            raise TypeError(f"cannot sign a streamed body ({type(body).__name__}): its Content-Digest is unknown before sending")
        target = _encode_target(r.path_url)
        path, _, query = target.partition("?")
        authority = r.headers.get("Host") or authority_of(r.url)
        digest = content_digest_of(bytes(body)) if body else None
        components = [*REQUIRED_COMPONENTS, *([BODY_COMPONENT] if digest is not None else [])]
        params = signature_params_text(components, int(time.time()), secrets.token_urlsafe(16), self.keyid)
        signature = self._key.sign(signature_base(r.method or "GET", authority, path, query, digest, params))
        for name in ("Signature-Input", "Signature", "Content-Digest"):
            r.headers.pop(name, None)
        r.headers["Signature-Input"] = f"{LABEL}={params}"
        r.headers["Signature"] = f"{LABEL}=:{base64.b64encode(signature).decode('ascii')}:"
        if digest is not None:
            r.headers["Content-Digest"] = digest
        return r


def load_signers(path: str) -> list[tuple[frozenset[str] | None, Rfc9421Signer]]:
    """The keys of LEDGER_FUZZ_SIGNERS: {"signers": [{"keyid", "seedHex", "forRoles"?}, ...]}."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    signers = []
    for s in doc["signers"]:
        roles = s.get("forRoles")
        signers.append((frozenset(roles) if roles is not None else None, Rfc9421Signer(s["keyid"], bytes.fromhex(s["seedHex"]))))
    if not signers:
        raise ValueError(f"{path}: no signers")
    return signers


def roles_of(operation) -> list[str]:
    roles = operation.definition.raw.get("x-roles")
    if not isinstance(roles, list) or not roles:
        raise AssertionError(f"{operation.label} states no x-roles in the OpenAPI document")
    return roles


SIGNERS_FILE = os.environ.get("LEDGER_FUZZ_SIGNERS")

if SIGNERS_FILE:
    SIGNERS = load_signers(SIGNERS_FILE)

    # No caching (a signature is per request, made by the auth object as the request is sent) and
    # no re-login on 401 (a 401 to a signed request is an answer under test, not an expired token).
    @schemathesis.auth(refresh_interval=None, retry_on=[])
    class RegisteredKeyAuth:
        def get(self, case, context):
            # A negative case whose headers violate the document (the only header it declares is
            # the security parameter Signature: left out or of the wrong form) is sent as
            # generated, unsigned: signing it would send a valid request schemathesis expects to be
            # refused. (schemathesis skips auth itself only when Signature alone was mutated.)
            headers = case.meta.components.get(ParameterLocation.HEADER) if case.meta is not None else None
            if headers is not None and headers.mode.is_negative:
                return None
            roles = set(roles_of(context.operation))
            for for_roles, signer in SIGNERS:
                if for_roles is None or for_roles & roles:
                    return signer
            return None

        def set(self, case, data, context):
            case._auth = data

else:

    @schemathesis.check
    def unsigned_refused(ctx, response, case):
        """An unsigned request to an operation that is not public: 401 or 403, with an error code."""
        if "public" in roles_of(case.operation):
            return None
        # the coverage phase also asks the path with methods it does not serve: 405 with Allow there
        # (the document lists the path's methods anyway), checked by schemathesis's unsupported_method
        if case.method.upper() != case.operation.method.upper():
            return None
        # a negative path parameter may miss the operation's route (as schemathesis's ignored_auth says too)
        path_component = case.meta.components.get(ParameterLocation.PATH) if case.meta is not None else None
        if path_component is not None and path_component.mode.is_negative:
            return None
        if response.status_code not in (401, 403):
            raise AssertionError(f"unsigned {case.operation.label} answered {response.status_code}, not 401 or 403")
        try:
            body = response.json()
        except ValueError:
            body = None
        code = body.get("code") if isinstance(body, dict) else None
        if code not in ("UNAUTHENTICATED", "FORBIDDEN"):
            raise AssertionError(f"unsigned {case.operation.label} refused without the error code UNAUTHENTICATED or FORBIDDEN (got {code!r})")
        return None
