"""Packages for setuptools; everything else is in pyproject.toml.

Only this needs code: the example organization stays in the repository's ``manifests/`` (the
spec's layout) and is mapped onto the data package ``providers.example_manifests``, so wheels
ship it without a second copy in git. ``pyproject.toml`` cannot map one package onto another
directory while still discovering the rest, hence ``find_packages`` here.
"""

from setuptools import find_packages, setup

EXAMPLE_PACKAGE = "providers.example_manifests"

setup(
    packages=[*find_packages(include=["engine", "engine.*", "providers", "providers.*"]),
              EXAMPLE_PACKAGE],
    package_dir={EXAMPLE_PACKAGE: "manifests"},
)
