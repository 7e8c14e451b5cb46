"""Grouping: articles and their pair evidence become stories.

The candidate graph, the HDBSCAN step, story records and the clustering result.
"""
