"""``generate`` wrote words such as ``yes``, ``Off`` or ``n`` as plain YAML scalars (QA pass):
Callboard reads them as text, but YAML 1.1 tools (yamllint, many editors) read ``yes:`` and
``name: Off`` as booleans. Now they are quoted wherever generate writes them, keys and values,
and the file still adopts exactly the objects it came from."""

from __future__ import annotations

import json

from ruamel.yaml import YAML

from tests.cli.conftest import Sandbox

#: Live tags whose names and descriptions YAML 1.1 would read as booleans.
TAGS = {"Yes": "On", "off": "n", "TRUE": "No"}


def test_generate_quotes_yaml11_boolean_words_and_the_file_adopts_them(
        sandbox: Sandbox) -> None:
    assert sandbox.run("apply", "--auto-approve").code == 0
    for name, description in TAGS.items():
        made = sandbox.api("POST", "/api/3/tags", {"tag": {
            "tag": name, "tagType": "contact", "description": description}})
        assert made.status_code == 201, made.text

    generated = sandbox.run("generate", "--kind", "tags")

    assert generated.code == 0, generated.err
    assert "Wrote manifests/generated_tags.yaml (3 objects)" in generated.out
    text = (sandbox.manifests / "generated_tags.yaml").read_text()
    for line in ("  'yes':\n    name: 'Yes'\n    description: 'On'\n",
                 "  'off':\n    name: 'off'\n    description: 'n'\n",
                 "  'true':\n    name: 'TRUE'\n    description: 'No'\n"):
        assert line in text, text
    old_reader = YAML(typ="safe", pure=True)
    old_reader.version = (1, 1)  # as yamllint and YAML 1.1 editors read it
    assert old_reader.load(text)["tags"] == {
        key: {"name": name, "description": description}
        for key, (name, description) in zip(("yes", "off", "true"), TAGS.items(), strict=True)}
    plan = sandbox.run("plan", "--format", "json")
    assert plan.code == 0, plan.err
    assert sorted((c["address"], c["action"]) for c in json.loads(plan.out)["changes"]) == [
        ("tags.off", "adopt"), ("tags.true", "adopt"), ("tags.yes", "adopt")]
    assert sandbox.run("apply", "--auto-approve").code == 0
    state = dict(line.split("\t") for line in sandbox.run("state", "list").out.splitlines())
    assert state["tags.yes"] == sandbox.tag_id("Yes")
    assert sandbox.run("plan", "--detailed-exitcode").code == 0  # nothing left to do
