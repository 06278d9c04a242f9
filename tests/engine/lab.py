"""Command-line lab options that point the scanner at a running FakeInternet."""

from __future__ import annotations

from accord.engine.testing.fake_internet import FakeInternet


def lab(net: FakeInternet, *, timeout: float = 1) -> list[str]:
    args = ["--allow-private", "--ca-bundle", net.ca_pem, "--timeout", str(timeout)]
    for route in net.connect_to_args:
        args += ["--connect-to", route]
    return args
