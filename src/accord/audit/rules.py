"""Who may read the audit log: those who administer the instance.

Audit sits below accounts, so it names the instance-wide permission rather than a role.
"""

from __future__ import annotations

from accord.access import Permission, Viewer, declare, everything_if, has_perm


def _instance_admin(user: Viewer) -> bool:
    return has_perm(user, Permission.INSTANCE_ADMIN)


declare(
    Permission.AUDIT_VIEW,
    owner=__name__,
    allows=_instance_admin,
    scopes={"audit.Event": everything_if(_instance_admin)},
)
