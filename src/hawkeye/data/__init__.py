"""Readers that turn each source format into the manifest contract of DESIGN.md."""
