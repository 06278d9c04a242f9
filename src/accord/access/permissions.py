"""Every permission of the instance, named `app:resource:action`.

The names only: the app named first in each declares its rule in its `rules.py`. A
permission without a declared rule is refused to everyone.
"""

from __future__ import annotations

import enum


class Permission(enum.StrEnum):
    """Named `app:resource:action`."""

    ORGANISATION_CREATE = "accounts:organisation:create"
    ORGANISATION_VIEW = "accounts:organisation:view"
    ORGANISATION_MANAGE = "accounts:organisation:manage"
    ORGANISATION_SUSPEND = "accounts:organisation:suspend"
    ORGANISATION_REMOVE = "accounts:organisation:remove"
    MEMBER_CONTACTS_VIEW = "accounts:membership:contacts"
    TWO_FACTOR_DISABLE = "accounts:totp:disable"
    TOKEN_CREATE = "accounts:token:create"  # noqa: S105 (a permission name)
    TOKEN_REVOKE = "accounts:token:revoke"  # noqa: S105
    TOKEN_USE = "accounts:token:use"  # noqa: S105
    APPLICATION_REVIEW = "accounts:application:review"
    INVITATION_CREATE = "accounts:invitation:create"
    INVITATION_MANAGE = "accounts:invitation:manage"
    AUDIT_VIEW = "audit:event:view"
    NOTIFICATION_VIEW = "notifications:notification:view"
    OUTBOX_VIEW = "notifications:outbox:view"
    OUTBOX_RESEND = "notifications:outbox:resend"
    EVIDENCE_VIEW = "evidence:observation:view"
    EVIDENCE_SCAN = "evidence:scan:request"
    DOMAIN_PROVE = "evidence:domain:prove"
    DOMAIN_AWARD = "evidence:domain:award"
    CATALOGUE_PUBLISH = "catalogue:version:publish"
    COMMITMENT_MANAGE = "commitments:commitment:manage"
    SCORECARD_VIEW = "commitments:scorecard:view"
    PROOF_VIEW = "commitments:proof:view"
    DOCUMENT_REVIEW = "commitments:document:review"
    ASSESSMENT_EXPORT = "commitments:assessment:export"
    INSTANCE_ADMIN = "accounts:instance:admin"
    REPORT_VIEW = "figures:report:view"
    REPORT_PUBLISH = "figures:report:publish"
    CVD_REPORT_SUBMIT = "cvd:report:submit"
    CVD_REPORT_VIEW = "cvd:report:view"
    CVD_REPORT_TRIAGE = "cvd:report:triage"
    CVD_CASE_OPEN = "cvd:case:open"
    CVD_CASE_VIEW = "cvd:case:view"
    CVD_CASE_COORDINATE = "cvd:case:coordinate"
    CVD_REPORTER_VIEW = "cvd:reporter:view"
    CVD_PARTICIPANT_ACT = "cvd:participant:act"
    CVD_STATEMENT_VIEW = "cvd:statement:view"
    CVD_POST_VIEW = "cvd:post:view"
    CVD_ATTACHMENT_VIEW = "cvd:attachment:view"
    CVD_TIMELINE_VIEW = "cvd:timeline:view"
    CVD_DELIVERY_VIEW = "cvd:delivery:view"
    CVD_MEASURE_VIEW = "cvd:measure:view"
    CVD_PRODUCT_DECLARE = "cvd:product:declare"
    CVD_PRODUCT_VIEW = "cvd:product:view"
    CVD_CONTACT_MANAGE = "cvd:contact:manage"
    CVD_COORDINATOR_GRANT = "cvd:coordinator:grant"
    CVD_ADVISORY_VIEW = "cvd:advisory:view"
