"""Scale: clustering in overlapping time windows, run locally or on Dask workers."""
