"""Where the example organization's manifests are, in a wheel and in a checkout.

The example organization lives in the repository's ``manifests/`` (the spec's layout keeps it
there). Packaging maps it onto the data package ``providers.example_manifests`` (``setup.py``),
so an installed wheel carries it beside this module; an editable install or a plain checkout
reads the repository's directory itself. The engine finds this through the
``callboard.example`` entry point, never by importing a provider.
"""

from __future__ import annotations

from pathlib import Path

#: The settings file every manifest tree of the example has; marks a usable directory.
SETTINGS_FILE = "callboard.yaml"


def manifests_dir() -> Path:
    """The example organization's manifest directory (with its ``callboard.yaml``)."""
    here = Path(__file__).resolve().parent
    candidates = (here / "example_manifests", here.parent / "manifests")
    for candidate in candidates:
        if (candidate / SETTINGS_FILE).is_file():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"the example organization is not installed (looked in {looked}); "
                            "reinstall Callboard with pip")
