"""Reading a provider's connection settings from the spec §5 environment variables."""

from __future__ import annotations

from collections.abc import Mapping

from engine.errors import CallboardError


def required_env(env: Mapping[str, str], names: tuple[str, ...], service: str) -> list[str]:
    """The values of ``names``, or one error naming every variable that is missing."""
    missing = [name for name in names if not env.get(name)]
    if missing:
        listed = ", ".join(missing)
        verb = "is" if len(missing) == 1 else "are"
        raise CallboardError(
            f"{listed} {verb} not set: Callboard needs it to connect to {service} "
            "(or use --sandbox to work against the emulators)")
    return [env[name] for name in names]
