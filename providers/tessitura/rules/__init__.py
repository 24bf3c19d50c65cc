"""The seed rules of the Tessitura kinds, one module per rule (as ``providers.prospect2.rules``):
found by discovery through ``TessituraProvider.rules_package``."""
