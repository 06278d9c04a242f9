"""Who may publish catalogue versions: those who administer the instance.

The catalogue itself is public: every version, current or not, is readable by anyone.
"""

from __future__ import annotations

from accord.access import Permission, Viewer, declare, everything_if, has_perm


def _instance_admin(user: Viewer) -> bool:
    return has_perm(user, Permission.INSTANCE_ADMIN)


declare(
    Permission.CATALOGUE_PUBLISH,
    owner=__name__,
    allows=_instance_admin,
    scopes={"catalogue.CatalogueVersion": everything_if(_instance_admin)},
)
