"""Tessitura's kinds, one module each; ``TessituraProvider.handlers`` registers them."""
