"""Commands a user types in any conversation (`/new`, `/background <task>`), answered by the gateway itself."""
