"""Who may read the audit log: those who administer the instance.

Audit sits below accounts, so it names the instance-wide permission rather than a role.
"""

from __future__ import annotations

from accord.access import Permission, declare, everything_if, instance_admin

declare(
    Permission.AUDIT_VIEW,
    owner=__name__,
    allows=instance_admin,
    scopes={"audit.Event": everything_if(instance_admin)},
)
