"""Headline metrics, verdict rules and sentences of each paper, built from result tables (one module per paper)."""
