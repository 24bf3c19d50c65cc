"""Generated bad manifests: one clear error naming file:line, exit 1, nothing touched.

Hypothesis writes one bad file beside the (valid) example organization and runs ``validate``
or ``plan`` in-process in a sandbox, as a person editing YAML would. Every generated file is
bad by construction (broken YAML, an unknown kind or field, a wrong type, a bad name, a
reference to nothing, or Tessitura reference data that does not exist), so exit 0 is a finding.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from engine.cli.main import main
from tests.e2e.conftest import EXAMPLE
from tests.reliability.figures import Figure, figure

BAD_FILE = "zz-extra.yaml"
LOCATED = re.compile(r"manifests/[\w.-]+\.yaml:\d+")
VALID = {
    "tags": {"name": "Generated", "description": "d"},
    "custom_fields": {"title": "GENERATED_FIELD", "type": "text"},
    "data_syncs": {"list": "Members - Current", "tag": "newsletter",
                   "schedule": {"daily": "02:00"}},
    "csi_webhooks": {"title": "Generated CSI", "contact_method": "E-mail",
                     "activity_type": "Pro2 Feedback", "notes": "n"},
    "campaign_writebacks": {"match": {"campaign_name": "GEN *"},
                            "appeal": "FY27 Subscriptions", "source_group": "Email Marketing"},
}
#: Fields naming Tessitura reference data (plan resolves them against live data).
TESSITURA_REFERENCES = [("data_syncs", "list"), ("csi_webhooks", "contact_method"),
                        ("csi_webhooks", "activity_type"), ("campaign_writebacks", "appeal"),
                        ("campaign_writebacks", "source_group"),
                        ("campaign_writebacks", "media_type")]
BROKEN_YAML = ["tags: [\n", "tags:\n  x: {name: \"open\n", "tags:\n\tx: {}\n",
               "tags:\n  x:\n    name: a\n   description: b\n", "tags: {x: {name: a}\n",
               "- just\n- a list\n", "tags:\n  x: &a\n  y: *b\n",
               "tags:\n  x: {name: a, name: b}\n",
               "? [a]\n: b\n", "tags:\n  x: !!python/object {}\n", "'unterminated\n"]

words = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF,
                              blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)
good_names = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
bad_names = st.one_of(
    words.filter(lambda w: not re.fullmatch(r"[a-z0-9][a-z0-9-_]*", w.strip())
                 and w.strip() != "" and ":" not in w),
    st.sampled_from(["-x", "_x", "Upper", "a b", "é"]))
wrong_values = st.one_of(st.lists(st.integers(), min_size=1, max_size=3),
                         st.dictionaries(good_names, st.integers(), min_size=1, max_size=2))


def _dump(kind: str, name: str, body: dict[str, Any]) -> str:
    return f"{kind}:\n  {json.dumps(name)}: {json.dumps(body, ensure_ascii=False)}\n"


@st.composite
def bad_manifests(draw: st.DrawFn) -> tuple[str, str, str]:
    """(what is wrong, file text, the command that must refuse it)."""
    case = draw(st.sampled_from(["yaml", "unknown-kind", "unknown-field", "wrong-type",
                                 "bad-name", "dangling", "tessitura"]))
    kind = draw(st.sampled_from(sorted(VALID)))
    body = dict(VALID[kind])
    name = "gen-" + draw(good_names)
    if case == "yaml":
        return case, draw(st.sampled_from(BROKEN_YAML)) + draw(words), "validate"
    if case == "unknown-kind":
        return case, _dump("zz_" + draw(good_names).replace("-", "_"), name, body), "validate"
    if case == "unknown-field":
        body["zz_" + draw(good_names).replace("-", "_")] = draw(words)
        return case, _dump(kind, name, body), "validate"
    if case == "wrong-type":
        body[draw(st.sampled_from(sorted(body)))] = draw(wrong_values)
        return case, _dump(kind, name, body), "validate"
    if case == "bad-name":
        return case, _dump(kind, draw(bad_names), body), "validate"
    if case == "dangling":  # a tag may also be a live one, so plan is where this is caught
        missing = "zz-missing-" + draw(good_names)
        if draw(st.booleans()):
            return case, _dump("data_syncs", name, dict(VALID["data_syncs"], tag=missing)), "plan"
        body = dict(VALID["csi_webhooks"], note_fields=[missing.upper().replace("-", "_")])
        return case, _dump("csi_webhooks", name, body), "plan"
    ref_kind, ref_field = draw(st.sampled_from(TESSITURA_REFERENCES))
    body = dict(VALID[ref_kind])
    body[ref_field] = draw(st.one_of(st.just({"id": 987654}),
                                     words.map(lambda w: "Zz missing " + w)))
    return case, _dump(ref_kind, name, body), "plan"


class Sandbox:
    """A sandbox working directory; runs ``callboard --sandbox`` in this process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copytree(EXAMPLE, root / "manifests")

    def run(self, *args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        here = Path.cwd()
        os.chdir(self.root)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["--sandbox", "--no-color", *args])
        finally:
            os.chdir(here)
        return code, out.getvalue(), err.getvalue()

    def fingerprint(self) -> str:
        """The emulated organization's data and the state's resources and serial."""
        digest = hashlib.sha256()
        sandbox = self.root / ".callboard" / "sandbox"
        for path in sorted(sandbox.glob("*.json")):
            digest.update(path.name.encode() + path.read_bytes())
        state = sandbox / "state.db"
        tables: dict[str, list[object]] = {}
        if state.exists():  # plan and validate look without creating a state
            with sqlite3.connect(state) as conn:
                for table in ("resources", "meta", "apply_journal"):
                    tables[table] = conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
        if tables.get("resources") or tables.get("apply_journal") or (
                ("serial", "0") not in tables.get("meta", [("serial", "0")])):
            digest.update(repr(sorted(tables.items())).encode())
        else:  # no state, or a new one that holds nothing: the same to a user
            digest.update(b"no state")
        return digest.hexdigest()


@contextlib.contextmanager
def sandbox() -> Iterator[Sandbox]:
    with tempfile.TemporaryDirectory() as scratch:
        box = Sandbox(Path(scratch))
        code, _, err = box.run("plan")  # creates the sandbox's data (and, read-only, no state)
        if code != 0:
            raise RuntimeError(f"the example organization does not plan: {err}")
        yield box


def problems_with(box: Sandbox, text: str, command: str) -> list[str]:
    before = box.fingerprint()
    bad = box.root / "manifests" / BAD_FILE
    bad.write_text(text, encoding="utf-8")
    try:
        code, out, err = box.run(command)
    finally:
        bad.unlink()
    found: list[str] = []
    if code != 1:
        found.append(f"exit {code}")
    if "Traceback" in out + err or "internal error" in err:
        found.append("traceback or internal error")
    heads = [line for line in err.splitlines() if line.strip() and not line[0].isspace()]
    if not heads:
        found.append("no error message")
    unlocated = [line for line in heads if not LOCATED.search(line)]
    if unlocated:
        found.append(f"no file:line in {unlocated[0]!r}")
    if box.fingerprint() != before:
        found.append("state or live data changed")
    return [f"{command} of {text!r}: {', '.join(found)}\n{err.strip()}"] if found else []


def generated_bad_manifests(examples: int, seed: int = 3) -> Figure:
    """Run ``examples`` generated cases; stop at the first finding (Hypothesis shrinks it)."""
    seen: dict[str, int] = {}
    findings: list[str] = []
    with sandbox() as box:
        @hypothesis_seed(seed)
        @settings(max_examples=examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(bad_manifests())
        def check(case: tuple[str, str, str]) -> None:
            kind, text, command = case
            seen[kind] = seen.get(kind, 0) + 1
            found = problems_with(box, text, command)
            if found:
                raise AssertionError(found[0])

        try:
            check()
        except AssertionError as exc:
            findings.append(str(exc))
    total = sum(seen.values())
    mix = ", ".join(f"{k} {n}" for k, n in sorted(seen.items()))
    return figure("bad manifests", total,
                  f"{total} generated ({mix}): {len(findings)} findings; 0 tracebacks, every "
                  "error names file:line, exit 1, state and live untouched" if not findings
                  else f"{total} generated ({mix}): first finding below", findings)
