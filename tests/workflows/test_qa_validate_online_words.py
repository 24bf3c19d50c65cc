"""`validate --online`'s success line agrees with its count, as the offline one does."""

from __future__ import annotations

import shutil

from tests.cli.conftest import Sandbox


def test_one_resource_resolves_and_many_resolve(sandbox: Sandbox) -> None:
    many = sandbox.run("validate", "--online")
    assert many.code == 0, many.err
    assert many.out.splitlines()[-1].endswith(" are valid and resolve against live data.")
    shutil.rmtree(sandbox.manifests)
    sandbox.manifests.mkdir()
    (sandbox.manifests / "tags.yaml").write_text("tags:\n  vip: {name: VIP}\n")
    one = sandbox.run("validate", "--online")
    assert one.code == 0, one.err
    assert one.out.strip() == (
        "Success: 1 resource in 1 file is valid and resolves against live data.")
    github = sandbox.run("validate", "--online", "--format", "github")
    assert github.out.strip() == "Success: 1 resource is valid and resolves against live data."
