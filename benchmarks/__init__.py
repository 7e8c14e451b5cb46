"""Benchmarks and training scripts that read the dev data from ../shared/data."""
