"""Versioned configuration data shipped with the library (pipeline.yaml, masking rules, ...)."""
