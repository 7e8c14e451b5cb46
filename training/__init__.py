"""Scripts that train the models shipped in clustering/models (one make target each)."""
