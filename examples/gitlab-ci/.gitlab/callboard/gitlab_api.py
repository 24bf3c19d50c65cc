"""The few GitLab REST calls the Callboard pipeline makes: paged lists, JSON, artifact files.

Standard library only. Reads what a job has: CI_API_V4_URL, CI_PROJECT_ID, and
CALLBOARD_GITLAB_TOKEN (a project access token: CI_JOB_TOKEN cannot read merge requests or
write notes).
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


class Refused(Exception):
    """A check failed: the job must stop, and nothing may be applied."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class GitLab:
    def __init__(self, api: str, token: str, project: str) -> None:
        self.api, self.token, self.project = api.rstrip("/"), token, project

    @classmethod
    def from_env(cls) -> GitLab:
        names = ("CI_API_V4_URL", "CALLBOARD_GITLAB_TOKEN", "CI_PROJECT_ID")
        missing = [name for name in names if not os.environ.get(name)]
        if missing:
            raise Refused(f"{', '.join(missing)} not set")
        return cls(*(os.environ[name] for name in names))

    @property
    def base(self) -> str:
        """The path prefix of this project's endpoints."""
        return f"/projects/{self.project}"

    def _open(self, method: str, url: str, body: Any = None, follow: bool = True) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            "PRIVATE-TOKEN": self.token, "User-Agent": "callboard-recipe",
            **({"Content-Type": "application/json"} if data else {})})
        opener = urllib.request.build_opener(*([] if follow else [_NoRedirect()]))
        try:
            return opener.open(request, timeout=60)
        except urllib.error.HTTPError as exc:
            if not follow and exc.code in (301, 302, 303, 307, 308):
                return exc
            detail = exc.read().decode(errors="replace")[:300]
            raise Refused(f"GitLab answered {exc.code} to {method} {url}: {detail}") from None
        except urllib.error.URLError as exc:
            raise Refused(f"cannot reach GitLab at {url}: {exc.reason}") from None

    def _url(self, path: str, params: dict[str, Any] | list[tuple[str, Any]] | None) -> str:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return f"{self.api}{path}{query}"

    def call(self, method: str, path: str, body: Any = None,
             params: dict[str, Any] | list[tuple[str, Any]] | None = None) -> Any:
        with self._open(method, self._url(path, params), body) as answer:
            raw = answer.read()
        return json.loads(raw) if raw else None

    def pages(self, path: str, params: dict[str, Any] | None = None
              ) -> Iterator[dict[str, Any]]:
        """Every item of a paged list, following the ``Link: rel="next"`` header."""
        url: str | None = self._url(path, {"per_page": 100, **(params or {})})
        while url:
            with self._open("GET", url) as answer:
                data = json.loads(answer.read())
                link = answer.headers.get("Link", "")
            yield from data
            found = _NEXT.search(link)
            url = found.group(1) if found else None

    def download(self, path: str) -> bytes:
        """A job artifact's file; with remote storage GitLab redirects to it, and that request
        must not carry our token."""
        answer = self._open("GET", self._url(path, None), follow=False)
        location = answer.headers.get("Location") if answer.status in (301, 302, 303, 307,
                                                                         308) else None
        if location is None:
            with answer:
                return answer.read()
        answer.close()
        try:
            with urllib.request.urlopen(location, timeout=120) as stored:
                return stored.read()
        except urllib.error.URLError as exc:
            raise Refused(f"cannot download {path} from storage: {exc}") from None


def quote(value: str) -> str:
    """A path segment (branch names and artifact paths may hold ``/``)."""
    return urllib.parse.quote(value, safe="")


def when(stamp: str | None) -> datetime | None:
    """GitLab's ISO 8601 timestamps (``2024-05-01T12:00:00.000Z``)."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def output(path: str | None, **values: object) -> None:
    """``KEY=value`` lines for a dotenv report (artifacts:reports:dotenv), read by later jobs."""
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.writelines(f"{name}={value}\n" for name, value in values.items())


def run(main: Callable[[list[str]], int]) -> None:
    """Run a script's ``main``; a refusal is one message and exit 1 (fail closed)."""
    try:
        code = main(sys.argv[1:])
    except Refused as exc:
        print(f"ERROR: {exc}")
        code = 1
    sys.exit(code)
