"""Learned data shipped with samestory: pair models and centring means, each with its script."""
