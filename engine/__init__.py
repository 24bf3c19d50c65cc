"""Callboard's provider-agnostic core: manifests, plan, apply, state, render, CLI."""

__version__ = "0.1.0"
