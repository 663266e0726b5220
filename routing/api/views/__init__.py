"""API views: one module per area; each view validates, calls a service or the ORM, and serialises."""
