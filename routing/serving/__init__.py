"""Serving the gateway from one process: Daphne in-process, background services beside it, graceful shutdown."""
