"""The REST API under /api/v1/: thin DRF views over the same models, validation and services as the admin."""
