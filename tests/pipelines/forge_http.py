"""A loopback HTTP server for stand-ins of GitHub's and GitLab's REST APIs, and the commits
they answer about.

Only the endpoints the recipes' scripts call are served, shaped as the vendors document them
(paged lists with ``Link: rel="next"``, redirects to storage for downloads). Every request is
logged, so tests can say what a script asked.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit


def stamp(delta: timedelta = timedelta(0)) -> str:
    """An ISO 8601 UTC timestamp, ``delta`` from now (both APIs' format)."""
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Any  # http.client.HTTPMessage: names are case-insensitive
    body: Any
    multi: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[..., Reply]


class StandIn:
    """Routes (method, path regex) to handler methods; subclasses register with ``route``."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.log: list[Request] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(f"^{pattern}$"), handler))

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, request: Request) -> Reply:
        self.log.append(request)
        for method, pattern, handler in self.routes:
            found = pattern.match(request.path)
            if found and method == request.method:
                return handler(request, *found.groups())
        return Reply(404, {"message": "Not Found"})

    def page(self, request: Request, items: list[Any], wrap: str | None = None,
             **extra: Any) -> Reply:
        """One page of ``items`` (``per_page`` at most 100, ``page`` from 1), with a Link to the
        next page when there is one, as both APIs do."""
        per_page = min(int(request.query.get("per_page", 30)), 100)
        number = int(request.query.get("page", 1))
        chunk = items[(number - 1) * per_page:number * per_page]
        headers = {}
        if number * per_page < len(items):
            query = urlencode({**request.query, "page": number + 1})
            headers["Link"] = f'<{self.base}{request.path}?{query}>; rel="next"'
            headers["X-Next-Page"] = str(number + 1)
        body = {wrap: chunk, "total_count": len(items), **extra} if wrap else chunk
        return Reply(200, body, headers)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                multi = parse_qs(parts.query)
                query = {k: v[-1] for k, v in multi.items()}
                reply = stand_in.answer(Request(self.command, parts.path, query,
                                                self.headers, body, multi))
                data = reply.body if isinstance(reply.body, bytes) else (
                    b"" if reply.body is None else json.dumps(reply.body).encode())
                self.send_response(reply.status)
                if not isinstance(reply.body, bytes):
                    self.send_header("Content-Type", "application/json")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, *args: object) -> None:
                pass

        return Handler


#: (path, old text or None for the whole file, new text)
Edit = tuple[str, str | None, str]


@dataclass
class Commit:
    sha: str
    parents: list[str]
    files: dict[str, str]


class Git:
    """Commits as whole trees (path -> text), branches, and the merges the forges make."""

    def __init__(self, files: dict[str, str]) -> None:
        self.commits: dict[str, Commit] = {}
        self._numbers: Iterator[int] = itertools.count(1)
        self.branches = {"main": self.commit([], files)}

    @classmethod
    def of_directory(cls, root: Path, folder: str = "manifests") -> Git:
        return cls({f"{folder}/{p.name}": p.read_text() for p in sorted((root).glob("*"))
                    if p.is_file()})

    def commit(self, parents: list[str], files: dict[str, str]) -> str:
        seed = f"{next(self._numbers)}:{parents}:{sorted(files.items())}"
        sha = hashlib.sha1(seed.encode()).hexdigest()
        self.commits[sha] = Commit(sha, parents, dict(files))
        return sha

    def on_top(self, base: str, edits: list[Edit]) -> dict[str, str]:
        """Commit ``base``'s tree with ``edits`` made, as a merge of them would make it: each
        edit replaces its own text, so edits to other lines of a file merge cleanly."""
        files = dict(self.commits[base].files)
        for path, old, new in edits:
            if old is None:
                files[path] = new
            else:
                assert files[path].count(old) == 1, f"{old!r} is not once in {path}"
                files[path] = files[path].replace(old, new)
        return files

    def advance(self, branch: str, edits: list[Edit]) -> str:
        tip = self.branches[branch]
        self.branches[branch] = self.commit([tip], self.on_top(tip, edits))
        return self.branches[branch]

    def ancestors(self, sha: str) -> set[str]:
        seen, todo = set(), [sha]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.commits[current].parents)
        return seen

    def diff(self, a: str, b: str) -> list[str]:
        left, right = self.commits[a].files, self.commits[b].files
        return sorted(p for p in set(left) | set(right) if left.get(p) != right.get(p))

    def checkout(self, sha: str, root: Path, folder: str = "manifests") -> None:
        """Lay commit ``sha``'s ``folder`` into ``root`` as a fresh checkout would."""
        target = root / folder
        for old in target.glob("*"):
            old.unlink()
        target.mkdir(parents=True, exist_ok=True)
        for path, text in self.commits[sha].files.items():
            if path.startswith(f"{folder}/"):
                (root / path).write_text(text)
