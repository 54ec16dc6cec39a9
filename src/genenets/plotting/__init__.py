"""Figures of each paper: one module per paper; every function takes ``ax=`` (or returns a Figure) and the data it draws."""
