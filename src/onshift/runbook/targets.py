"""Real targets: a flags file a service watches, and an HTTP flags endpoint.

Both hold one JSON object of flat keys. Keys with dots (``kill_switch.tool_search``) are plain
keys, not nested paths, so that a change and its undo touch exactly the keys they name.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from onshift.errors import TargetError
from onshift.redact import redact_url, scrub
from onshift.runbook.changes import JsonValue, Patch, apply_patch

__all__ = ["FlagsFileTarget", "HttpFlagsTarget", "target_from_ref"]


def _as_state(data: Any, where: str) -> dict[str, JsonValue]:
    if not isinstance(data, dict) or any(not isinstance(k, str) for k in data):
        msg = f"{where} must hold one JSON object of flag keys to values"
        raise TargetError(msg)
    return dict(data)


_ADVICE = {
    errno.ENOSPC: "free some space",
    errno.EDQUOT: "free some space (disk quota)",
    errno.EACCES: "let this user write to its directory",
    errno.EPERM: "let this user write to its directory",
    errno.EROFS: "its file system is read-only: remount it read-write",
}


class FlagsFileTarget:
    """A JSON or YAML file (by suffix); written atomically (temp file, fsync, ``os.replace``)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._yaml = self.path.suffix.lower() in (".yaml", ".yml")

    def describe(self) -> Mapping[str, str]:
        return {"kind": "flags-file", "path": str(self.path.absolute())}  # for rollback elsewhere

    def read(self) -> dict[str, JsonValue]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            msg = f"cannot read the flags file {self.path}: {exc.strerror or exc}"
            raise TargetError(msg) from exc
        try:
            data = yaml.safe_load(text) if self._yaml else json.loads(text)
        except (yaml.YAMLError, ValueError) as exc:
            detail = getattr(exc, "problem", None) or getattr(exc, "msg", None)
            msg = f"the flags file {self.path} is not valid {'YAML' if self._yaml else 'JSON'}"
            msg += f" ({detail})" if detail else ""
            raise TargetError(msg) from exc
        return _as_state({} if data is None else data, f"the flags file {self.path}")

    def _render(self, state: Mapping[str, JsonValue]) -> str:
        if self._yaml:
            return yaml.safe_dump(dict(state), sort_keys=False, allow_unicode=True)
        return json.dumps(dict(state), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    def _unwritten(self, what: str, exc: OSError) -> TargetError:
        """The write failed before ``os.replace`` took effect: the file is as it was."""
        advice = _ADVICE.get(exc.errno or 0, "fix that")
        msg = (
            f"cannot write {what} {self.path}: {exc.strerror or exc}; the file was left as it "
            f"was: {advice} and try again"
        )
        return TargetError(msg)

    def write(self, patch: Patch) -> None:
        text = self._render(apply_patch(self.read(), patch))
        real = self.path.resolve()  # through a symlink: replace the file, not the link
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", dir=real.parent)
        except OSError as exc:
            raise self._unwritten("next to the flags file", exc) from exc
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(OSError):
                Path(tmp).chmod(real.stat().st_mode & 0o777)
            Path(tmp).replace(real)  # os.replace: atomic on POSIX
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise self._unwritten("the flags file", exc) from exc


class HttpFlagsTarget:
    """``GET`` and ``PUT`` one JSON object at ``url``, with a bearer token when given.

    Credentials and tokens in the URL are used for the requests but never shown: ``shown`` (in
    :meth:`describe`, so in the journal, and in every error message) has them masked."""

    def __init__(self, url: str, *, token: str | None = None, timeout_s: float = 10.0) -> None:
        self.url = url
        self._redacted = redact_url(url)
        self.shown = self._redacted.shown
        self._token = token
        self._timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"HttpFlagsTarget({self.shown!r})"

    def describe(self) -> Mapping[str, str]:
        ref = {"kind": "http-flags", "url": self.shown}
        if self._redacted.redacted:  # rollback from the journal alone needs the URL again
            ref["redacted"] = "true"
        return ref

    def _headers(self, etag: str | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if etag:
            headers["If-Match"] = etag
        return headers

    def _call(
        self, method: str, body: Mapping[str, JsonValue] | None = None, etag: str | None = None
    ) -> tuple[Any, str | None]:
        import httpx

        try:
            with httpx.Client(timeout=self._timeout_s) as client:
                response = client.request(method, self.url, headers=self._headers(etag), json=body)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            detail = scrub(str(exc), self._redacted.secrets)  # it may quote the URL
            msg = f"{method} {self.shown} failed: {detail}"
            # Not chained: the cause's text and request hold the real URL; a traceback shows it.
            raise TargetError(msg) from None
        if response.status_code >= 300:
            hints = {
                401: " (check the bearer token)",
                403: " (check the bearer token)",
                412: " (the flags changed since they were read; nothing was written)",
            }
            msg = f"{method} {self.shown} answered HTTP {response.status_code}"
            raise TargetError(msg + hints.get(response.status_code, ""))
        if method != "GET":
            return None, None
        try:
            return response.json(), response.headers.get("ETag")
        except ValueError as exc:
            msg = f"GET {self.shown} did not answer JSON"
            raise TargetError(msg) from exc

    def read(self) -> dict[str, JsonValue]:
        return _as_state(self._call("GET")[0], f"GET {self.shown}")

    def write(self, patch: Patch) -> None:
        """Read, patch, write back; when the endpoint gives an ETag the write is conditional
        (``If-Match``), so a change made by someone else in between is never overwritten."""
        data, etag = self._call("GET")
        state = _as_state(data, f"GET {self.shown}")
        self._call("PUT", apply_patch(state, patch), etag)


def target_from_ref(
    ref: Mapping[str, str], *, token: str | None = None
) -> FlagsFileTarget | HttpFlagsTarget:
    """Rebuild a target from what its ``describe()`` wrote to a journal. A URL journaled with
    its secrets masked cannot be: the caller has to be given the URL again."""
    kind = ref.get("kind")
    if kind == "flags-file" and "path" in ref:
        return FlagsFileTarget(ref["path"])
    if kind == "http-flags" and "url" in ref:
        if ref.get("redacted") == "true":
            msg = (
                f"the journal holds the target URL without its credentials or token "
                f"({ref['url']}): secrets are never journaled; give --target-url with the "
                "full URL again"
            )
            raise TargetError(msg)
        return HttpFlagsTarget(ref["url"], token=token)
    shown = {k: redact_url(v).shown if k == "url" else v for k, v in ref.items()}
    msg = f"the journal's target {shown!r} cannot be reopened from the command line"
    raise TargetError(msg)
