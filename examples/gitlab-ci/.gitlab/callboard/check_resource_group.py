"""Refuse (exit 1) unless the resource group runs its jobs oldest first.

GitLab's resource groups are ``unordered`` by default: of two waiting applies, the newer may run
first, and the older one's re-plan would then be refused or, worse, planned from older
manifests. The order is a setting of the group, changed only through the API (a maintainer's
token), once, after the first pipeline on the default branch has created the group.
"""

from __future__ import annotations

import argparse

from gitlab_api import GitLab, Refused, quote, run

WANTED = "oldest_first"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("key", help="the resource_group of the job, e.g. callboard-apply")
    args = parser.parse_args(argv)
    gl = GitLab.from_env()
    group = gl.call("GET", f"{gl.base}/resource_groups/{quote(args.key)}")
    if group.get("process_mode") != WANTED:
        raise Refused(
            f"resource group {args.key} runs its jobs {group.get('process_mode')}, not "
            f"{WANTED}, so two applies could run out of order. Set it once, with a "
            f"maintainer's token: curl --request PUT --header \"PRIVATE-TOKEN: <token>\" "
            f"--data process_mode={WANTED} "
            f"\"{gl.api}{gl.base}/resource_groups/{quote(args.key)}\"")
    print(f"Resource group {args.key} runs its jobs {WANTED}.")
    return 0


if __name__ == "__main__":
    run(main)
