"""Test-wide setup: a throwaway data folder, so tests never touch ./data."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("GATEWAY_DATA_DIR", tempfile.mkdtemp(prefix="gateway-test-data-"))
