"""Readers that turn each source format into the manifest contract of docs/ARCHITECTURE.md."""
