"""Reading a provider's connection settings from the spec §5 environment variables."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from engine.errors import ConfigurationError


def required_env(env: Mapping[str, str], names: tuple[str, ...], service: str) -> list[str]:
    """The values of ``names``, or one error naming every variable that is missing."""
    missing = [name for name in names if not env.get(name)]
    if missing:
        listed = ", ".join(missing)
        verb = "is" if len(missing) == 1 else "are"
        raise ConfigurationError(
            f"{listed} {verb} not set: Callboard needs {'it' if len(missing) == 1 else 'them'} "
            f"to connect to {service} "
            "(or use --sandbox to work against the emulators)")
    return [env[name] for name in names]


def service_url(name: str, value: str, path: str, example_host: str) -> str:
    """``value`` when it is an http(s) address ending in ``path``; otherwise an error at once,
    with the fix, instead of retries against an address that cannot answer."""
    given = value.strip()
    parts = urlsplit(given if "://" in given else f"https://{given}")
    has_scheme = "://" in given and parts.scheme in ("http", "https")
    has_path = parts.path.rstrip("/").lower().endswith(path.lower())
    if has_scheme and parts.netloc and has_path:
        return given
    if parts.netloc:
        fix = f"{parts.scheme if has_scheme else 'https'}://{parts.netloc}{path}"
    else:
        fix = f"https://{example_host}{path}"
    problem = ("does not start with http:// or https://" if not has_scheme
               else f"does not end in {path}")
    raise ConfigurationError(f"{name} is {value!r}, which {problem}: set it to the service's "
                             f"API address, e.g. {fix}")


def endpoint(env: Mapping[str, str], name: str) -> str | None:
    """The service address variable ``name`` holds, as a saved plan records it: without any
    user:password part, scheme and host in lower case, no trailing slash (None when unset)."""
    value = (env.get(name) or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}.get(scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{scheme}://{(parts.hostname or '').lower()}{port}{parts.path.rstrip('/')}"
