"""Simulators: one module per data source, each returning data together with its ground truth."""
