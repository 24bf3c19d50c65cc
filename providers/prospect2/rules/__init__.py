"""The seed rules of Prospect2's integration kinds, one module per rule (sqlfluff's shape).

Each rule module defines one ``engine.rules.Rule`` (its seed and kinds as class attributes),
and its docstring cites the seed and shows the refused and the accepted form. The planner
finds them by discovery (``Prospect2Provider.rules_package``, ``engine.rules.get_rules``) and
runs each on every resolved resource of its kinds: adding a rule is adding a module here.
``csi_activity_type`` and ``custom_field_perstags`` are what several rules share;
``writeback_codes`` (seed 002) is enforced by reference resolution.
"""
