"""Evaluation: gold labels and clustering metrics (BCubed, pair counting, ARI, NMI)."""
