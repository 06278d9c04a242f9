"""Publication of a case's advisory: the snapshot every format is built from, the
formats (CVE JSON 5, CSAF 2.0 advisory and VEX, OpenVEX) and their validation.

Nothing here touches the database: `accord.cvd.services.publication` takes the
snapshot of a case, builds each format from it, validates it, and stores it.
"""
