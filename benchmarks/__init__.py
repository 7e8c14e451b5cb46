"""Measurements of samestory on the dev data (../shared/data); run as python -m benchmarks.NAME."""
