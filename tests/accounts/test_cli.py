"""`accord createadmin` through the accounts services."""

from __future__ import annotations

from click.testing import CliRunner, Result

from accord.accounts.models import User
from accord.cli import main


def createadmin(email: str, password: str) -> Result:
    return CliRunner().invoke(
        main, ["createadmin", "--email", email], env={"ACCORD_ADMIN_PASSWORD": password}
    )


def test_createadmin_creates_a_secretariat_admin(db: None, password: str) -> None:
    result = createadmin("Sec@Accord.example", password)
    assert result.exit_code == 0, result.output
    admin = User.objects.get(email="sec@accord.example")
    assert admin.is_secretariat
    # The operator vouches for the address: no banner asking to confirm it.
    assert admin.has_verified_email


def test_createadmin_reports_duplicates_and_weak_passwords(db: None, password: str) -> None:
    createadmin("sec@accord.example", password)
    duplicate = createadmin("sec@accord.example", password)
    weak = createadmin("other@accord.example", "short")
    assert duplicate.exit_code == weak.exit_code == 1
    assert "already exists" in duplicate.output
    assert "too short" in weak.output
    assert User.objects.count() == 1
