"""Operator pages under /ops/: a live dashboard and a web chat, plain Django templates with plain JavaScript."""
