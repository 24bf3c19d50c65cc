"""The few GitHub REST calls the Callboard workflows make: paged lists, JSON, artifact downloads.

Standard library only, so it runs on any runner before anything is installed. Reads what a
workflow step has: GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_TOKEN (pass ``github.token`` in the
step's ``env``), GITHUB_OUTPUT.
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

#: GitHub refuses comment and issue bodies over 65,536 characters.
MAX_BODY = 65_000
API_VERSION = "2022-11-28"
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


class Refused(Exception):
    """A check failed: the workflow must stop, and nothing may be applied."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class GitHub:
    def __init__(self, api: str, token: str, repository: str) -> None:
        self.api, self.token, self.repository = api.rstrip("/"), token, repository

    @classmethod
    def from_env(cls) -> GitHub:
        names = ("GITHUB_API_URL", "GITHUB_TOKEN", "GITHUB_REPOSITORY")
        missing = [name for name in names if not os.environ.get(name)]
        if missing:
            raise Refused(f"{', '.join(missing)} not set (give the step GITHUB_TOKEN: "
                          "${{ github.token }})")
        return cls(*(os.environ[name] for name in names))

    @property
    def repo(self) -> str:
        """The path prefix of this repository's endpoints."""
        return f"/repos/{self.repository}"

    def _open(self, method: str, url: str, body: Any = None,
              accept: str = "application/vnd.github+json", follow: bool = True) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Accept": accept,
            "X-GitHub-Api-Version": API_VERSION, "User-Agent": "callboard-recipe",
            **({"Content-Type": "application/json"} if data else {})})
        opener = urllib.request.build_opener(*([] if follow else [_NoRedirect()]))
        try:
            return opener.open(request, timeout=60)
        except urllib.error.HTTPError as exc:
            if not follow and exc.code in (301, 302, 303, 307, 308):
                return exc
            detail = exc.read().decode(errors="replace")[:300]
            raise Refused(f"GitHub answered {exc.code} to {method} {url}: {detail}") from None
        except urllib.error.URLError as exc:
            raise Refused(f"cannot reach GitHub at {url}: {exc.reason}") from None

    def _url(self, path: str, params: dict[str, Any] | None) -> str:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return f"{self.api}{path}{query}"

    def call(self, method: str, path: str, body: Any = None,
             params: dict[str, Any] | None = None) -> Any:
        with self._open(method, self._url(path, params), body) as answer:
            raw = answer.read()
        return json.loads(raw) if raw else None

    def pages(self, path: str, params: dict[str, Any] | None = None,
              key: str | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a paged list, following the ``Link: rel="next"`` header."""
        url: str | None = self._url(path, {"per_page": 100, **(params or {})})
        while url:
            with self._open("GET", url) as answer:
                data = json.loads(answer.read())
                link = answer.headers.get("Link", "")
            yield from (data[key] if key else data)
            found = _NEXT.search(link)
            url = found.group(1) if found else None

    def download(self, path: str) -> bytes:
        """An artifact's zip: GitHub answers with a redirect to storage that must not get our
        token (it refuses a request carrying both), so the redirect is followed by hand."""
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


def when(stamp: str | None) -> datetime | None:
    """GitHub's ISO 8601 timestamps (``2024-05-01T12:00:00Z``)."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def fit(body: str, limit: int = MAX_BODY) -> str:
    """A body GitHub accepts: cut at ``limit`` characters, saying so."""
    if len(body) <= limit:
        return body
    note = "\n\n_Cut here to fit GitHub's size limit: the full text is in the run's log._\n"
    return body[: limit - len(note)] + note


def output(**values: object) -> None:
    """Step outputs (``steps.ID.outputs.NAME``), when the step has a GITHUB_OUTPUT file."""
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.writelines(f"{name}={value}\n" for name, value in values.items())


def run(main: Callable[[list[str]], int]) -> None:
    """Run a script's ``main``; a refusal is one error annotation and exit 1 (fail closed)."""
    try:
        code = main(sys.argv[1:])
    except Refused as exc:
        message = str(exc).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        print(f"::error title=callboard::{message}")
        code = 1
    sys.exit(code)
