"""Analyses of each paper (pair construction, light-up, reverse training, ...), built on the
data, models, ``train``, ``stats`` and ``graph`` modules. One module per paper."""
