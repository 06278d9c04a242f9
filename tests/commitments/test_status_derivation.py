"""The status rules, as pure functions: every rule, its edges, and what it must not do."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from accord.commitments.models import Status
from accord.commitments.status import (
    Situation,
    combine_domains,
    derive_status,
    failing_since,
    next_step,
    worst,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def day(n: float) -> datetime:
    return T0 + n * DAY


def automated(
    observations: list[tuple[datetime, str]],
    *,
    now: datetime,
    attested: bool = False,
    previous: str = Status.COMMITTED,
    **kwargs: Any,
) -> tuple[Status, str]:
    return derive_status(
        verification="automated",
        attested=attested,
        document_reviews=[],
        observations=observations,
        previous_status=previous,
        now=now,
        **kwargs,
    )


def reviewed(
    reviews: list[tuple[datetime, str]], *, attested: bool = False, verification: str = "document"
) -> tuple[Status, str]:
    return derive_status(
        verification=verification,
        attested=attested,
        document_reviews=reviews,
        observations=[],
        previous_status=Status.COMMITTED,
        now=day(100),
    )


class TestAutomatedBeforeAnyPass:
    def test_no_evidence_is_committed(self) -> None:
        assert automated([], now=T0) == (Status.COMMITTED, "no evidence observed yet")

    def test_no_evidence_but_attested_is_implemented(self) -> None:
        status, cause = automated([], now=T0, attested=True)
        assert status == Status.IMPLEMENTED
        assert "attested" in cause

    @pytest.mark.parametrize("failing", ["fail", "error"])
    def test_failing_from_the_start_is_committed_not_lapsed(self, failing: str) -> None:
        status, cause = automated([(day(0), failing), (day(30), failing)], now=day(30))
        assert status == Status.COMMITTED
        assert "does not pass yet" in cause

    def test_failing_from_the_start_but_attested_is_implemented(self) -> None:
        status, _ = automated([(day(0), "fail")], now=day(60), attested=True)
        assert status == Status.IMPLEMENTED

    def test_observations_after_now_are_ignored(self) -> None:
        assert automated([(day(5), "pass")], now=day(4))[0] == Status.COMMITTED


class TestAutomatedVerified:
    def test_a_pass_verifies(self) -> None:
        status, cause = automated([(day(0), "pass")], now=day(0))
        assert status == Status.VERIFIED
        assert cause == "evidence passes (2026-03-01)"

    def test_warn_counts_as_a_pass_with_recommendations(self) -> None:
        status, cause = automated([(day(0), "warn")], now=day(0))
        assert status == Status.VERIFIED
        assert "with recommendations" in cause

    def test_a_pass_after_failures_verifies(self) -> None:
        status, _ = automated([(day(0), "fail"), (day(1), "pass")], now=day(1))
        assert status == Status.VERIFIED

    def test_the_order_given_does_not_matter(self) -> None:
        ordered = [(day(0), "pass"), (day(1), "fail"), (day(20), "fail")]
        assert automated(ordered[::-1], now=day(20)) == automated(ordered, now=day(20))


class TestGraceAndLapse:
    @pytest.mark.parametrize("failing", ["fail", "error"])
    def test_a_failure_within_grace_stays_verified(self, failing: str) -> None:
        status, cause = automated([(day(0), "pass"), (day(1), failing)], now=day(10))
        assert status == Status.VERIFIED
        assert "grace until 2026-03-16" in cause

    def test_exactly_the_grace_period_is_not_longer_than_it(self) -> None:
        observations = [(day(0), "pass"), (day(1), "fail")]
        assert automated(observations, now=day(15))[0] == Status.VERIFIED

    def test_longer_than_the_grace_period_lapses(self) -> None:
        observations = [(day(0), "pass"), (day(1), "fail")]
        status, cause = automated(observations, now=day(15) + timedelta(seconds=1))
        assert status == Status.LAPSED
        assert cause == (
            "evidence has failed since 2026-03-02, longer than the 14-day grace period"
        )

    def test_lapse_comes_with_time_alone(self) -> None:
        observations = [(day(0), "pass"), (day(1), "fail")]
        assert automated(observations, now=day(30))[0] == Status.LAPSED

    def test_grace_counts_from_the_first_failure_after_the_last_pass(self) -> None:
        # Failed long ago, passed on day 20, failing again since day 21.
        observations = [
            (day(0), "fail"),
            (day(20), "pass"),
            (day(21), "fail"),
            (day(25), "error"),
            (day(30), "fail"),
        ]
        assert automated(observations, now=day(35))[0] == Status.VERIFIED
        assert automated(observations, now=day(36))[0] == Status.LAPSED

    def test_a_shorter_grace_lapses_sooner(self) -> None:
        observations = [(day(0), "pass"), (day(1), "fail")]
        status, cause = automated(observations, now=day(4), grace=timedelta(days=2))
        assert status == Status.LAPSED
        assert "2-day grace period" in cause

    def test_an_attestation_does_not_hold_off_a_lapse(self) -> None:
        observations = [(day(0), "pass"), (day(1), "fail")]
        assert automated(observations, now=day(20), attested=True)[0] == Status.LAPSED

    def test_recovery_verifies_again(self) -> None:
        observations = [(day(0), "pass"), (day(1), "fail"), (day(20), "pass")]
        status, cause = automated(observations, now=day(20), previous=Status.LAPSED)
        assert status == Status.VERIFIED
        assert cause == "evidence passes again (2026-03-21)"

    def test_a_second_failure_gets_a_fresh_grace_period(self) -> None:
        observations = [(day(0), "pass"), (day(1), "fail"), (day(20), "pass"), (day(21), "fail")]
        assert automated(observations, now=day(30))[0] == Status.VERIFIED
        assert automated(observations, now=day(36))[0] == Status.LAPSED


class TestDocumentAndAttestationPractices:
    @pytest.mark.parametrize("verification", ["document", "attestation"])
    def test_nothing_yet_is_committed(self, verification: str) -> None:
        assert reviewed([], verification=verification) == (Status.COMMITTED, "no proof yet")

    @pytest.mark.parametrize("verification", ["document", "attestation"])
    def test_an_attestation_implements_never_verifies(self, verification: str) -> None:
        status, _ = reviewed([], attested=True, verification=verification)
        assert status == Status.IMPLEMENTED

    def test_an_upload_awaiting_review_implements(self) -> None:
        assert reviewed([(day(0), "pending")]) == (
            Status.IMPLEMENTED,
            "document uploaded, awaiting review",
        )

    @pytest.mark.parametrize("verification", ["document", "attestation"])
    def test_an_accepted_document_verifies(self, verification: str) -> None:
        status, cause = reviewed([(day(2), "accepted")], verification=verification)
        assert status == Status.VERIFIED
        assert cause == "document accepted by the secretariat (2026-03-03)"

    def test_a_rejected_document_alone_is_no_proof(self) -> None:
        assert reviewed([(day(2), "rejected")]) == (Status.COMMITTED, "document rejected")

    def test_a_rejected_document_leaves_an_attestation_standing(self) -> None:
        assert reviewed([(day(2), "rejected")], attested=True)[0] == Status.IMPLEMENTED

    def test_rejected_then_accepted_verifies(self) -> None:
        assert reviewed([(day(1), "rejected"), (day(2), "accepted")])[0] == Status.VERIFIED

    def test_accepted_then_a_newer_rejected_lapses(self) -> None:
        status, cause = reviewed([(day(1), "accepted"), (day(5), "rejected")])
        assert status == Status.LAPSED
        assert "newer document was rejected (2026-03-06)" in cause

    def test_a_pending_upload_does_not_undo_a_verification(self) -> None:
        assert reviewed([(day(1), "accepted"), (day(5), "pending")])[0] == Status.VERIFIED

    def test_a_lapse_stays_until_a_newer_document_is_accepted(self) -> None:
        lapsed = [(day(1), "accepted"), (day(5), "rejected"), (day(6), "pending")]
        assert reviewed(lapsed)[0] == Status.LAPSED
        assert reviewed([*lapsed[:2], (day(7), "accepted")])[0] == Status.VERIFIED

    def test_observations_do_not_verify_a_document_practice(self) -> None:
        status, _ = derive_status(
            verification="document",
            attested=False,
            document_reviews=[],
            observations=[(day(0), "pass")],
            previous_status=Status.COMMITTED,
            now=day(1),
        )
        assert status == Status.COMMITTED


class TestCombiningDomains:
    def test_every_domain_must_pass(self) -> None:
        series = combine_domains({"a": [(day(0), "pass")], "b": [(day(1), "fail")]}, start=day(0))
        assert series == [(day(0), "pass"), (day(1), "fail")]

    def test_the_worst_verdict_wins_fail_over_error_over_warn(self) -> None:
        assert worst(["pass", "warn"]) == "warn"
        assert worst(["warn", "error"]) == "error"
        assert worst(["error", "fail", "pass"]) == "fail"
        assert worst([]) is None

    def test_a_domain_that_recovers_clears_the_failure(self) -> None:
        series = combine_domains(
            {"a": [(day(0), "pass")], "b": [(day(1), "fail"), (day(3), "pass")]}, start=day(0)
        )
        assert series[-1] == (day(3), "pass")

    def test_what_came_before_the_commitment_is_the_state_at_the_start(self) -> None:
        series = combine_domains(
            {"a": [(day(-30), "pass"), (day(-10), "fail"), (day(2), "fail")]}, start=day(0)
        )
        assert series == [(day(0), "fail"), (day(2), "fail")]
        # so failing since before the commitment is not a lapse of the commitment
        assert automated(series, now=day(40))[0] == Status.COMMITTED

    def test_one_moment_one_status(self) -> None:
        series = combine_domains({"a": [(day(1), "pass")], "b": [(day(1), "fail")]}, start=day(0))
        assert series == [(day(1), "fail")]

    def test_failing_since(self) -> None:
        observations = [(day(0), "pass"), (day(2), "fail"), (day(3), "fail")]
        assert failing_since(observations, now=day(5)) == day(2)
        assert failing_since([(day(0), "pass")], now=day(5)) is None
        assert failing_since([(day(0), "fail")], now=day(5)) is None


class TestNextStep:
    def situation(self, **kwargs: Any) -> Situation:
        defaults: dict[str, Any] = {
            "verification": "automated",
            "status": Status.COMMITTED,
            "overdue": False,
            "target_date": date(2026, 6, 30),
        }
        return Situation(**{**defaults, **kwargs})

    def test_verified_with_failing_evidence_warns_of_the_lapse(self) -> None:
        step = next_step(self.situation(status=Status.VERIFIED, lapses_on=date(2026, 3, 16)))
        assert "before 16 March 2026" in step

    def test_overdue_says_so_first(self) -> None:
        step = next_step(self.situation(overdue=True))
        assert step.startswith("Overdue since 30 June 2026.")

    def test_unscanned_automated_practice_asks_for_domains(self) -> None:
        assert "Register your domains" in next_step(self.situation())

    def test_document_awaiting_review(self) -> None:
        step = next_step(
            self.situation(verification="document", status=Status.IMPLEMENTED, awaiting_review=True)
        )
        assert "awaits the secretariat's review" in step

    def test_lapsed_document_practice(self) -> None:
        step = next_step(self.situation(verification="document", status=Status.LAPSED))
        assert "latest one was rejected" in step

    def test_verified_with_warnings(self) -> None:
        step = next_step(self.situation(status=Status.VERIFIED, evidence_status="warn"))
        assert "recommendations" in step
