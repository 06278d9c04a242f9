"""Documents awaiting review, many at once, for the review queue's tests.

Written through the services (committing, uploading) so each document is as the
secretariat would find it: a stored file, an audit event, a commitment implemented.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accord.accounts.models import Membership, Organisation, User
from accord.commitments import services
from accord.commitments.models import Commitment, EvidenceDocument

PRACTICES = ("cvd.safe-harbour", "governance.security-policy", "supply-chain.sbom")


def committed(
    organisation: Organisation, admin: User, practice: str, *, now: datetime | None = None
) -> Commitment:
    return services.commit_to_practice(
        organisation=organisation,
        practice_id=practice,
        target_date=timezone.localdate() + timedelta(days=90),
        actor=admin,
        now=now,
    )


def pending_documents(count: int, *, organisations: int = 4) -> list[EvidenceDocument]:
    """`count` documents awaiting review, spread over `organisations` organisations and
    three practices, uploaded a minute apart (the last one newest)."""
    admins = []
    for n in range(organisations):
        organisation = Organisation.objects.create(
            name=f"Member {n:02d}", slug=f"member-{n:02d}", sector="energy", country="NL"
        )
        admin = User.objects.create_user(email=f"admin{n}@member{n}.example", password="x" * 20)
        Membership.objects.create(user=admin, organisation=organisation, role="org_admin")
        admins.append((organisation, admin))
    commitments = {}
    start = timezone.now() - timedelta(days=1)
    documents = []
    for n in range(count):
        organisation, admin = admins[n % organisations]
        practice = PRACTICES[n % len(PRACTICES)]
        key = (organisation.pk, practice)
        if key not in commitments:
            commitments[key] = committed(organisation, admin, practice, now=start)
        file = SimpleUploadedFile(f"proof-{n:03d}.md", f"# Proof {n}\n".encode())
        documents.append(
            services.upload_document(
                commitment=commitments[key],
                uploaded_file=file,
                actor=admin,
                now=start + timedelta(minutes=n + 1),
            )
        )
    return documents
