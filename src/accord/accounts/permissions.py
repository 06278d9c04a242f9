"""Where the call sites import the one permission check from.

The names live in `accord.access.permissions`, the registry and `has_perm` in
`accord.access.registry`, and each app's rules in its own `rules.py` (accounts' in
`accord.accounts.rules`).
"""

from accord.access import Permission, has_perm

__all__ = ["Permission", "has_perm"]
