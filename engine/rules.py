"""Seed rules: one small check per module, found by discovery (sqlfluff's ``BaseRule`` and
``get_rules()``), run by the planner on each declared resource of their kinds.

A rule sees a resource as its handler resolved it (references are ``Ref``s with ids, names
normalized). It refuses with ``FieldProblem`` in the user's words, the field named so the
message carries file:line, or warns through ``context.warn``. Its module docstring cites the
seed and shows the refused and the accepted form. A provider names the package holding its
rules (``Provider.rules_package``); adding a rule is adding a module there.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from engine.kinds import KindHandler, ReferenceContext, ResourceSpec


@dataclass
class RuleContext:
    """What a rule may consult: the planner's references (reference tables, live objects,
    the other declared resources) and the handler of the resource's kind (provider facts
    such as a Prospect2 account's settings)."""

    refs: ReferenceContext
    handler: KindHandler
    #: The settings Callboard runs with (spec §5), for rules about what Callboard itself will
    #: do with a resource (send a Data Sync's run summary over ``CALLBOARD_SMTP_URL``).
    env: Mapping[str, str] = field(default_factory=dict)

    def warn(self, field: str | None, message: str) -> None:
        self.refs.warn(field, message)


class Rule(ABC):
    """One rule of a seed, about the resources of ``kinds``."""

    #: The rule's name (its module's): what ``sync_list`` is to seed 003.
    name: ClassVar[str]
    #: The seed it comes from ("003"; several as "000, 001"), or the spec section that
    #: decides it where no seed does ("spec §2").
    seed: ClassVar[str]
    #: Kinds whose resources it checks.
    kinds: ClassVar[tuple[str, ...]]
    #: A rule about the account rather than the resource's fields (it sees the resource as
    #: written, unresolved): drift checks it too, since an account that cannot hold the kind
    #: (not connected to Tessitura) has no clean report to give about it.
    account_wide: ClassVar[bool] = False

    @abstractmethod
    async def check(self, resource: Any, context: RuleContext) -> None:
        """Raise ``FieldProblem`` to refuse ``resource``; ``context.warn`` to warn."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__module__.rpartition(".")[2]


def get_rules(package: str) -> list[Rule]:
    """Every ``Rule`` defined in the modules of ``package``, by name."""
    found: list[Rule] = []
    root = importlib.import_module(package)
    for info in pkgutil.iter_modules(root.__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        found += [cls() for _, cls in inspect.getmembers(module, inspect.isclass)
                  if issubclass(cls, Rule) and not inspect.isabstract(cls)
                  and cls.__module__ == module.__name__]
    return sorted(found, key=lambda rule: rule.name)


async def check_rules(rules: list[Rule], resource: ResourceSpec,
                      context: RuleContext) -> None:
    """Run each rule on one resource; the first refusal stops the rest (one error a resource,
    the one its first rule finds)."""
    for rule in rules:
        await rule.check(resource, context)
