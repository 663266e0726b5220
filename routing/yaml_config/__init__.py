"""gateway.yaml: load with key paths, validate, import as an idempotent upsert, export back."""
