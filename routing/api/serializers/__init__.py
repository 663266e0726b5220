"""Serializers: one module per area, each a thin mapping of a model onto JSON plus the shared validation."""
