"""The ``logpipe`` command line: local invoke, local pipeline, trace lookup, search, masking, alerts, bench."""
