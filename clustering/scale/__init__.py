"""Scale: clustering in overlapping time windows, run locally or on Dask workers."""

from typing import TYPE_CHECKING

from clustering.lazy import lazy_exports

if TYPE_CHECKING:
    from clustering.scale.distributed import (
        EngineError,
        cluster_on_dask,
        cluster_paths_on_dask,
        dask_client,
    )
    from clustering.scale.windows import WindowedClusterer

__all__ = [
    "EngineError",
    "WindowedClusterer",
    "cluster_on_dask",
    "cluster_paths_on_dask",
    "dask_client",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "EngineError": "clustering.scale.distributed",
        "cluster_on_dask": "clustering.scale.distributed",
        "cluster_paths_on_dask": "clustering.scale.distributed",
        "dask_client": "clustering.scale.distributed",
        "WindowedClusterer": "clustering.scale.windows",
    },
)
