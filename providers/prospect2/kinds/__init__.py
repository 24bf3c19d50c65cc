"""Prospect2's kinds, one module each; ``Prospect2Provider.handlers`` registers them."""
