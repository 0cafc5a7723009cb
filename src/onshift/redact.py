"""Secrets in URLs: what is journaled and printed in place of the URL itself.

Shared by runbook targets and the Prometheus source (a top-level module, so that neither pulls
in the other's package). A flags endpoint or a Prometheus URL can carry credentials
(``https://user:pass@host/flags``) or a token in its query string (``?token=…``,
``?access_token=…``, ``?key=…``). Requests need the real URL; the journal, progress lines,
error messages and incident timelines get :func:`redact_url`'s form, and text a library wrote
about a request (which may quote the URL) goes through :func:`scrub`. Pure functions: no
parsing library, so that a URL too broken to parse is still redacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, unquote_plus

__all__ = ["MASK", "RedactedUrl", "redact_url", "scrub"]

MASK = "***"

# Query keys whose values are secrets. A false positive only hides a harmless value from the
# journal, a false negative writes a secret into it: so substrings, generously.
_SECRET_KEY = re.compile(
    r"token|key|secret|pass|pwd|auth|sig|credential|session|cookie|bearer", re.IGNORECASE
)
# Userinfo is everything between ``//`` and the last ``@`` before the path, query or fragment
# (RFC 3986: it cannot hold ``/ ? #``), which is also how httpx splits it.
_USERINFO = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?P<userinfo>[^/?#]*)@")


@dataclass(frozen=True, slots=True, kw_only=True)
class RedactedUrl:
    """``shown``: the URL with each secret replaced by :data:`MASK`; ``secrets``: the values
    taken out (raw and percent-decoded), for :func:`scrub`."""

    shown: str
    secrets: tuple[str, ...]

    @property
    def redacted(self) -> bool:
        return bool(self.secrets)


def _params(part: str, secrets: list[str]) -> str:
    pairs = []
    for pair in part.split("&"):
        key, sep, value = pair.partition("=")
        if sep and value and _SECRET_KEY.search(unquote_plus(key)):
            secrets.extend((value, unquote_plus(value)))
            pair = f"{key}={MASK}"  # noqa: PLW2901 - the pair as it is shown
        pairs.append(pair)
    return "&".join(pairs)


def redact_url(url: str) -> RedactedUrl:
    """The password (or a bare userinfo, which is often a token) and the values of
    secret-looking query and fragment parameters, masked: ``http://user:***@host/f?token=***``."""
    secrets: list[str] = []
    rest, hash_, fragment = url.partition("#")
    rest, question, query = rest.partition("?")
    found = _USERINFO.match(rest)
    if found is not None:
        userinfo = found["userinfo"]
        user, colon, password = userinfo.partition(":")
        shown = userinfo
        if colon and password:
            secrets.extend((password, unquote(password)))
            shown = f"{user}:{MASK}"
        elif not colon and user:
            secrets.extend((user, unquote(user)))
            shown = MASK
        rest = rest[: found.start("userinfo")] + shown + rest[found.end("userinfo") :]
    if question:
        rest += question + _params(query, secrets)
    if hash_:
        rest += hash_ + _params(fragment, secrets)
    unique = sorted({s for s in secrets if s}, key=len, reverse=True)
    return RedactedUrl(shown=rest, secrets=tuple(unique))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret masked (longest first)."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    return text
