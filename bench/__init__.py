"""Benchmarks of the Data Sync engine (issue 5): each prints its figure beside the naive peer
measured in the same run. Figures are printed, never asserted: see bench/README.md."""
