"""Who may publish catalogue versions: those who administer the instance.

The catalogue itself is public: every version, current or not, is readable by anyone.
"""

from __future__ import annotations

from accord.access import Permission, declare, everything_if, instance_admin

declare(
    Permission.CATALOGUE_PUBLISH,
    owner=__name__,
    allows=instance_admin,
    scopes={"catalogue.CatalogueVersion": everything_if(instance_admin)},
)
