"""coldstart: cold-start active learning for medical imaging, from Python.

numpy in, numpy out, over the C++ library: the clustering estimators (``KMeans``,
``MiniBatchKMeans``, ``KMedoids``), the cold-start selectors (``select``), the acquisition
functions (``acquire``) and their registry (``strategies``). See docs/python.md.
"""

from ._core import gemm_backend
from ._estimators import KMeans, KMedoids, MiniBatchKMeans
from ._select import (Acquisition, Selection, acquire, register_selector, select,
                      strategies)

__version__ = "0.1.0"
__all__ = ["KMeans", "MiniBatchKMeans", "KMedoids", "select", "acquire", "strategies",
           "register_selector", "Selection", "Acquisition", "gemm_backend", "__version__"]
