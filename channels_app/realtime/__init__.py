"""The WebSocket control plane and push pub/sub: consumers, frames, sessions, push, presence, polling, tokens."""
