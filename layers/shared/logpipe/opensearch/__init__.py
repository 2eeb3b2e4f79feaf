"""Talking to OpenSearch: the client factory and the artefacts logpipe installs (templates, ISM, monitors)."""
