"""Which vendor statement speaks for a product: the one choice every format makes.

CSAF allows one status per product and vulnerability (6.1.6); the CVE record and the
OpenVEX document take the same one, so the three formats of an advisory cannot disagree
on a product.
"""

from __future__ import annotations

from datetime import UTC, datetime

from accord.cvd.advisories.snapshot import Product, ProductStatus, Snapshot, Vulnerability


def one_status_per_product(snapshot: Snapshot, v: Vulnerability) -> list[ProductStatus]:
    """A product has one status per vulnerability: its own vendor's statement if there is
    one, else the latest; `unknown` is left out. Ordered by product key."""
    known = {p.key for p in snapshot.products}
    chosen: dict[str, ProductStatus] = {}
    for st in v.statuses:
        if st.status == "unknown" or st.product_key not in known:
            continue
        current = chosen.get(st.product_key)
        if current is None or _preferred(snapshot.product(st.product_key), st, current):
            chosen[st.product_key] = st
    return [chosen[key] for key in sorted(chosen)]


def _preferred(product: Product, new: ProductStatus, old: ProductStatus) -> bool:
    new_own, old_own = new.vendor == product.vendor, old.vendor == product.vendor
    if new_own != old_own:
        return new_own
    epoch = datetime.min.replace(tzinfo=UTC)
    return _aware(new.updated_at or epoch) >= _aware(old.updated_at or epoch)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
