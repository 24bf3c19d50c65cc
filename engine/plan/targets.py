"""``--target``: the resources named, and what they depend on (as Terraform includes them).

A Data Sync targeted on a fresh organization needs its tag; a CSI webhook needs the activity
type it names. Each kind says which other resources one of its objects names
(``Kind.refers_to``), by NAME or natural key; those that the manifests declare are taken
along, transitively, and the plan lists them and warns that it is partial.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from engine.kinds import Kind
from engine.plan.model import PlanWarning
from engine.resources import Resource, address


def target_dependencies(targets: Sequence[str], declared: Mapping[str, Resource],
                        kinds: Mapping[str, Kind]) -> list[str]:
    """Declared addresses the targeted resources depend on, transitively, that no target
    names already (sorted)."""
    named = [r for r in declared.values() if r.address in targets or r.kind in targets]
    seen = {r.address for r in named}
    added: list[str] = []
    while named:
        resource = named.pop()
        for dependency in _dependencies(resource, declared, kinds):
            if dependency.address not in seen:
                seen.add(dependency.address)
                added.append(dependency.address)
                named.append(dependency)
    return sorted(added)


def _dependencies(resource: Resource, declared: Mapping[str, Resource],
                  kinds: Mapping[str, Kind]) -> list[Resource]:
    """The declared resources ``resource`` names: by NAME, else by natural key (case aside)."""
    kind = kinds[resource.kind]
    allowed = set(kind.all_dependencies())
    found: list[Resource] = []
    for other_kind, value in kind.refers_to(resource.spec):
        if other_kind not in allowed or other_kind not in kinds:
            continue
        by_name = declared.get(address(other_kind, value))
        if by_name is not None:
            found.append(by_name)
            continue
        found += [r for r in declared.values() if r.kind == other_kind
                  and kinds[other_kind].key(r.spec).casefold() == value.casefold()]
    return found


def targeting_warning(targets: Sequence[str], dependencies: Sequence[str]) -> PlanWarning:
    """Terraform's warning that a targeted plan is partial, with what it took along."""
    they = "it depends" if len(targets) == 1 and "." in targets[0] else "they depend"
    taken = f" and what {they} on ({', '.join(dependencies)})" if dependencies else ""
    return PlanWarning(
        f"Resource targeting is in effect: this plan covers only {', '.join(targets)}{taken}, "
        "so it may not show every change the manifests ask for. --target is for exceptional "
        "cases, such as recovering from an error; run plan without it to see everything.")
