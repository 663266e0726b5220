"""The operator console's own state: roles (viewer / operator / admin as Django groups) and human takeover."""
