"""GitHub Actions expressions (``${{ … }}``), as far as the recipes use them.

Literals, context paths (``needs.approve-replan.result``), ``! == != && ||``, parentheses, and
the status functions. Semantics follow GitHub's documentation: a missing property is null,
``&&``/``||`` give an operand, string equality ignores case, null/''/false/0 are falsy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|"
                    r"(?P<op>==|!=|&&|\|\||!|\(|\)|,)|(?P<name>[A-Za-z_][\w-]*(?:\.[\w-]+)*))")
_INTERPOLATION = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, at = [], 0
    text = text.strip()
    while at < len(text):
        found = _TOKEN.match(text, at)
        if not found or found.end() == at:
            raise ValueError(f"cannot read expression at {text[at:]!r}")
        kind = found.lastgroup or ""
        out.append((kind, found.group(kind)))
        at = found.end()
        while at < len(text) and text[at].isspace():
            at += 1
    return out


def truthy(value: Any) -> bool:
    return value not in (None, "", False, 0)


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool | int | float):
        return float(value)
    try:
        return float(value.strip() or 0) if isinstance(value, str) else float("nan")
    except ValueError:
        return float("nan")


def _equal(a: Any, b: Any) -> bool:
    """Strings ignore case; values of different types are compared as numbers (so null and
    '' are equal, as GitHub documents)."""
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if type(a) is type(b):
        return bool(a == b)
    return _number(a) == _number(b)


class Evaluator:
    """Evaluate one expression against contexts; ``functions`` holds always(), success()…"""

    def __init__(self, contexts: dict[str, Any], functions: dict[str, Callable[..., Any]]):
        self.contexts, self.functions = contexts, functions

    def __call__(self, text: str) -> Any:
        self.tokens, self.at = _tokens(text), 0
        value = self._or()
        if self.at != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.at][1]!r} in {text!r}")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        self.at += 1
        return self.tokens[self.at - 1]

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._compare()
        while self._peek() == "&&":
            self._take()
            right = self._compare()
            value = right if truthy(value) else value
        return value

    def _compare(self) -> Any:
        value = self._unary()
        while self._peek() in ("==", "!="):
            op = self._take()[1]
            right = self._unary()
            value = _equal(value, right) if op == "==" else not _equal(value, right)
        return value

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if text == "(":
            value = self._or()
            assert self._take()[1] == ")"
            return value
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text) if "." in text else int(text)
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        if self._peek() == "(":
            self._take()
            args = []
            while self._peek() != ")":
                args.append(self._or())
                if self._peek() == ",":
                    self._take()
            self._take()
            return self.functions[text](*args)
        value: Any = self.contexts
        for part in text.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def interpolate(self, text: str) -> str:
        def one(found: re.Match[str]) -> str:
            value = self(found.group(1))
            if value is None:
                return ""
            return str(value).lower() if isinstance(value, bool) else str(value)
        return _INTERPOLATION.sub(one, text)

    def condition(self, text: str | bool | None, default: str = "success()") -> bool:
        """An ``if:``: implicitly ``success() && (…)`` unless it names a status function."""
        if text is None:
            return truthy(self(default))
        if isinstance(text, bool):
            return text
        body = text.strip()
        if body.startswith("${{") and body.endswith("}}"):
            body = body[3:-2]
        if not re.search(r"\b(always|success|failure|cancelled)\(", body):
            body = f"{default} && ({body})"
        return truthy(self(body))
