"""Evidence: how likely two articles are to report the same story.

From their vectors, words, names across scripts, publication times and languages.
"""
