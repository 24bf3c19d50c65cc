"""Reading YAML while keeping file:line for every key, so errors can point at them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from engine.errors import ManifestError
from engine.resources import Origin


class _Constructor(RoundTripConstructor):
    """Round-trip, except that a timestamp naming no real day (``2026-02-30``) stays the text
    written: the field's model then refuses it at file:line:field, where ruamel would raise a
    bare ValueError with no position."""

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError:
            return str(node.value)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp",
                             _Constructor.construct_yaml_timestamp)


def load_yaml_file(path: Path, display: str) -> Any:
    """Parse one file round-trip (keeps positions); bad YAML becomes a ManifestError."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read file: {exc}", file=display) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(data, exc, display) from exc
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        message, line = yaml_problem(exc, text)
        raise ManifestError(f"invalid YAML: {message}", file=display, line=line) from exc
    except YAMLError as exc:
        raise ManifestError(f"invalid YAML: {exc}", file=display) from exc


def _not_utf8(data: bytes, exc: UnicodeDecodeError, display: str) -> ManifestError:
    """A file saved in another encoding (Windows-1252's "Café"): where, and what to do."""
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    return ManifestError(
        f"not UTF-8: byte 0x{data[exc.start]:02X} at column {column} is not a UTF-8 "
        "character (saved as Windows-1252 or Latin-1?): save the file as UTF-8",
        file=display, line=line)


#: What a context mark points at, in users' words.
_OPENERS = {"[": "the '[' opened", "{": "the '{' opened", '"': "the quote opened",
            "'": "the quote opened"}


#: The parser's words for the mistakes newcomers make most, and what they mean.
_IN_USERS_WORDS = {
    "found character '\\t' that cannot start any token":
        "this line is indented with a tab; YAML indents with spaces only",
    "expected <block end>, but found '<block mapping start>'":
        "this line's indentation does not match the lines above it (a key is one or more "
        "spaces off)",
}


def yaml_problem(exc: MarkedYAMLError, text: str) -> tuple[str, int | None]:
    """The message and line for a YAML error. An unclosed bracket or quote is only noticed at
    the end of the file, so it is placed where it opened (the parser's context mark), not on a
    line past the end."""
    problem = exc.problem or exc.context or "invalid YAML"
    problem = next((said for parser, said in _IN_USERS_WORDS.items() if parser in problem),
                   problem)
    if "duplicate key" in problem:
        problem = problem.split(" with value")[0] + " (a key appears twice in one mapping)"
    context, mark = exc.context_mark, exc.problem_mark or exc.context_mark
    opener = _OPENERS.get(text[context.index:context.index + 1]) if context else None
    if context is None or opener is None:
        return problem, mark.line + 1 if mark is not None else None
    at_end = mark is None or mark.index >= len(text.rstrip())
    if at_end:
        return f"{opener} on this line is never closed ({problem})", context.line + 1
    return f"{problem} ({opener} on line {context.line + 1} is not closed)", mark.line + 1


def key_line(node: Any, key: Any, default: int) -> int:
    """1-based line of ``key`` in a mapping (or of item ``key`` in a sequence)."""
    try:
        if isinstance(node, CommentedMap):
            return node.lc.key(key)[0] + 1
        if isinstance(node, CommentedSeq):
            return node.lc.item(key)[0] + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        pass
    return default


def node_line(node: Any, default: int) -> int:
    try:
        return node.lc.line + 1
    except AttributeError:
        return default


def locate(root: Any, path: tuple[Any, ...], file: str, default: int) -> Origin:
    """Follow ``path`` (keys and indexes) into ``root`` as far as it goes; the line found last."""
    node, line = root, default
    for step in path:
        in_map = isinstance(node, CommentedMap) and step in node
        in_seq = (isinstance(node, CommentedSeq) and isinstance(step, int)
                  and 0 <= step < len(node))
        if in_map or in_seq:
            line = key_line(node, step, line)
            node = node[step]
        else:
            break
    return Origin(file, line)


def plain(node: Any) -> Any:
    """ruamel's commented containers and scalar subclasses as plain Python values."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, str) else k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node
