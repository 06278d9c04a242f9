"""Publishing a case built through the services, with the real formats: every document
passes its schema and the BSI validator's mandatory tests, and what was published says
what the case says."""

from __future__ import annotations

from typing import Any

import pytest

from accord.cvd.advisories import formats
from accord.cvd.services import publication
from tests.cvd import vex_snapshots as samples
from tests.cvd.advisory_world import make_ready

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def validator(settings: Any) -> None:
    settings.ACCORD_CSAF_VALIDATOR = samples.require_csaf_validator()


def test_a_published_case_passes_every_format_and_the_validator(
    cvd_world: Any, validator: None
) -> None:
    case = make_ready(cvd_world)
    advisory = publication.publish_advisory(actor=cvd_world.secretariat, case=case)
    assert set(advisory.documents) >= {"csaf", "csaf-vex", "openvex"}
    for key, document in advisory.documents.items():
        assert formats.all_formats()[key].validate(document) == [], key
