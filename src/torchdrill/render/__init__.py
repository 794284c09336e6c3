"""Renderers: they only read :mod:`torchdrill.results`, never grade."""
