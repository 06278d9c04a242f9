"""The deliveries page and API (the lead's alone), notifying from them, and the page and
API where an organisation's admins register its security contact."""

from __future__ import annotations

from typing import Any

import pysequoia
import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path, reverse

from accord import urls as root_urls
from accord.accounts.services import create_api_token
from accord.cvd import urls as cvd_urls
from accord.cvd.models import Case, Delivery, SecurityContact
from accord.cvd.services import cases
from accord.notifications.models import Message
from tests.cvd.conftest import World
from tests.cvd.test_contacts import fingerprint, key, public

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
TABS = ("case", "embargo", "statements", "discussion", "timeline")
__all__ = ["key"]  # the fixture, shared


def _stub(_request: HttpRequest, reference: str) -> HttpResponse:
    return HttpResponse(reference)


# The case tabs other parts of the app serve: a stub for each one missing on this branch,
# so the case header renders; none once they exist.
_names = {getattr(pattern, "name", None) for pattern in cvd_urls.urlpatterns}
_stubs = [
    path(f"cvd/<str:reference>/-{name}-/", _stub, name=name) for name in TABS if name not in _names
]
urlpatterns = [
    *(p for p in root_urls.urlpatterns if getattr(p, "urlconf_module", None) is not cvd_urls),
    path("", include(([*cvd_urls.urlpatterns, *_stubs], "cvd"))),
]


@pytest.fixture(autouse=True)
def case_tabs(settings: Any) -> None:
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def gamma_case(cvd_world: World) -> Case:
    """A case the Gamma CERT coordinator leads, with Acme as vendor."""
    case = cases.open_case(
        actor=cvd_world.coordinator, title="Gamma's case", organisation=cvd_world.coordinator_org
    )
    cases.add_participant(
        actor=cvd_world.coordinator, case=case, role="vendor", organisation=cvd_world.vendor_a
    )
    return case


def token_for(user: Any, organisation: Any) -> dict[str, str]:
    _, secret = create_api_token(user=user, organisation=organisation, name="tracker")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def deliveries_url(case: Case) -> str:
    return reverse("cvd:deliveries", args=[case.reference])


def notify_from_page(client: Client, case: Case, capture: Any) -> Any:
    with capture(execute=True):
        return client.post(reverse("cvd:notify", args=[case.reference]))


# The deliveries page ---------------------------------------------------------------------


def test_the_lead_sees_each_delivery_with_its_address_source_key_and_state(
    cvd_world: World,
    client_for: Any,
    settings: Any,
    key: pysequoia.Tsk,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TASKS = IMMEDIATE
    SecurityContact.objects.create(
        organisation=cvd_world.vendor_a,
        email="cert@acme.example",
        openpgp_key=public(key),
        fingerprint=fingerprint(key),
    )
    client = client_for(cvd_world.secretariat)
    answer = notify_from_page(client, cvd_world.case, django_capture_on_commit_callbacks)
    assert answer.status_code == 302
    assert answer["Location"] == deliveries_url(cvd_world.case)

    page = client.get(deliveries_url(cvd_world.case))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Notices are on their way to 2 vendors." in html
    acme = Delivery.objects.get(participant=cvd_world.participant_a)
    bolt = Delivery.objects.get(participant=cvd_world.participant_b)
    assert f'data-delivery="{acme.pk}" data-state="kept"' in html
    assert "<code>cert@acme.example</code>" in html
    assert "Registered in Accord" in html
    assert f'<code class="fingerprint">{fingerprint(key)}</code>' in html
    assert f'data-delivery="{bolt.pk}" data-state="none"' in html
    assert "<strong>No contact</strong>" in html
    assert "No contact address is known." in html
    assert 'aria-current="page">Deliveries</a>' in html


def test_the_tab_shows_each_notice_pending_before_its_task_runs(
    cvd_world: World, client_for: Any
) -> None:
    client = client_for(cvd_world.secretariat)
    assert client.post(reverse("cvd:notify", args=[cvd_world.case.reference])).status_code == 302
    html = client.get(deliveries_url(cvd_world.case)).content.decode()
    for participant in (cvd_world.participant_a, cvd_world.participant_b):
        pending = Delivery.objects.get(participant=participant)
        assert f'data-delivery="{pending.pk}" data-state="pending"' in html
    assert "2 deliveries" in html
    assert "Pending: its task has not run yet" in html
    assert "Not looked up yet" in html
    assert "No contact</strong>" not in html
    assert "Unencrypted" not in html


def test_unencrypted_held_and_failed_deliveries_say_so(cvd_world: World, client_for: Any) -> None:
    through = 1
    participant = cvd_world.participant_a
    failed = Message.objects.create(
        to_address="psirt@acme.example",
        subject="s",
        body="b",
        kind="cvd:delivery:notice",
        state=Message.State.FAILED,
        attempts=5,
        last_error="SMTPRecipientsRefused: 550 no such user",
    )
    Delivery.objects.create(
        participant=participant, address="psirt@acme.example", source="security_txt",
        problem="The security.txt names no Encryption key.", message=failed, through=through,
    )  # fmt: skip
    Delivery.objects.create(
        participant=participant, address="psirt@acme.example", source="security_txt", held=True,
        problem="Held: TLP:RED mail goes only encrypted.", through=through,
    )  # fmt: skip
    Delivery.objects.create(
        participant=participant, address="psirt@acme.example", source="invited", through=through
    )
    html = client_for(cvd_world.secretariat).get(deliveries_url(cvd_world.case)).content.decode()
    assert '<strong class="unencrypted">Unencrypted</strong>' in html
    assert "SMTPRecipientsRefused: 550 no such user" in html
    assert ">Failed</td>" in html
    assert "<td>5</td>" in html
    assert "Held: not sent unencrypted" in html
    assert "Held: TLP:RED mail goes only encrypted." in html
    assert ">Not sent</td>" in html


def test_deliveries_are_paginated(cvd_world: World, client_for: Any) -> None:
    Delivery.objects.bulk_create(
        Delivery(participant=cvd_world.participant_a, address=f"a{i}@acme.example",
                 source="invited", through=1)
        for i in range(55)
    )  # fmt: skip
    client = client_for(cvd_world.secretariat)
    first = client.get(deliveries_url(cvd_world.case)).content.decode()
    second = client.get(deliveries_url(cvd_world.case) + "?page=2").content.decode()
    assert "55 deliveries, 1 to 50 shown." in first
    assert first.count("data-delivery=") == 50
    assert second.count("data-delivery=") == 5


@pytest.mark.parametrize("who", ["vendor_a_admin", "vendor_b_member", "observer", "outsider"])
def test_nobody_but_the_lead_sees_the_deliveries(
    cvd_world: World, client_for: Any, who: str
) -> None:
    Delivery.objects.create(
        participant=cvd_world.participant_a, address="psirt@acme.example", source="invited",
        through=1,
    )  # fmt: skip
    client = client_for(getattr(cvd_world, who))
    assert client.get(deliveries_url(cvd_world.case)).status_code == 404
    refused = client.post(reverse("cvd:notify", args=[cvd_world.case.reference]))
    assert refused.status_code in (403, 404)
    assert Delivery.objects.count() == 1


def test_a_visitor_is_not_shown_the_deliveries(cvd_world: World) -> None:
    assert Client().get(deliveries_url(cvd_world.case)).status_code == 404


def test_notifying_a_case_without_vendors_is_refused_not_an_error(
    cvd_world: World, client_for: Any
) -> None:
    alone = cases.open_case(actor=cvd_world.secretariat, title="Alone")
    answer = client_for(cvd_world.secretariat).post(reverse("cvd:notify", args=[alone.reference]))
    assert answer.status_code == 409
    assert "no vendors" in answer.content.decode()


# The deliveries API ----------------------------------------------------------------------


def test_the_lead_lists_deliveries_and_notifies_through_the_api(
    cvd_world: World, gamma_case: Case, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = IMMEDIATE
    client = Client(**token_for(cvd_world.coordinator, cvd_world.coordinator_org))
    base = f"/api/v1/cvd/cases/{gamma_case.reference}"
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"{base}/notify")
    assert (answer.status_code, answer.json()) == (202, {"vendors": 1})
    listed = client.get(f"{base}/deliveries").json()
    assert (listed["count"], listed["page"], listed["pages"]) == (1, 1, 1)
    [row] = listed["deliveries"]
    assert (row["recipient"], row["source"], row["state"], row["address"]) == (
        "Acme Routers",
        "none",
        "none",
        "",
    )


def test_the_api_answers_404_to_anyone_but_the_lead(cvd_world: World, gamma_case: Case) -> None:
    client = Client(**token_for(cvd_world.vendor_a_admin, cvd_world.vendor_a))
    base = f"/api/v1/cvd/cases/{gamma_case.reference}"
    assert client.get(f"{base}/deliveries").status_code == 404
    assert client.post(f"{base}/notify").status_code == 403
    assert client.get("/api/v1/cvd/cases/ACC-1999-0001/deliveries").status_code == 404
    assert Client().get(f"{base}/deliveries").status_code == 401


def test_notifying_without_vendors_through_the_api_is_a_409(cvd_world: World) -> None:
    alone = cases.open_case(
        actor=cvd_world.coordinator, title="Alone", organisation=cvd_world.coordinator_org
    )
    client = Client(**token_for(cvd_world.coordinator, cvd_world.coordinator_org))
    answer = client.post(f"/api/v1/cvd/cases/{alone.reference}/notify")
    assert answer.status_code == 409
    assert "no vendors" in answer.json()["detail"]


# The registered security contact ---------------------------------------------------------


def contact_url(world: World) -> str:
    return reverse("cvd:contact", args=[world.vendor_a.slug])


def test_an_admin_registers_the_security_contact_and_key_on_its_page(
    cvd_world: World, client_for: Any, key: pysequoia.Tsk
) -> None:
    client = client_for(cvd_world.vendor_a_admin)
    empty = client.get(contact_url(cvd_world)).content.decode()
    assert "No security contact is registered yet." in empty
    saved = client.post(
        contact_url(cvd_world), {"email": "cert@acme.example", "openpgp_key": public(key)}
    )
    assert saved.status_code == 302
    page = client.get(contact_url(cvd_world)).content.decode()
    assert f'<code class="fingerprint">{fingerprint(key)}</code>' in page
    assert "The security contact is saved." in page
    assert SecurityContact.objects.get().fingerprint == fingerprint(key)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "cert@acme.example", "openpgp_key": "not a key"}, "Not an OpenPGP public key"),
        ({"email": "nope", "openpgp_key": ""}, "Enter a valid email address."),
    ],
)
def test_a_bad_key_or_address_is_shown_with_the_form_again(
    cvd_world: World, client_for: Any, data: dict[str, str], message: str
) -> None:
    answer = client_for(cvd_world.vendor_a_admin).post(contact_url(cvd_world), data)
    assert answer.status_code == 422
    html = answer.content.decode()
    assert message in html
    assert "errorlist" in html
    assert not SecurityContact.objects.exists()


@pytest.mark.parametrize("who", ["vendor_b_member", "outsider", "secretariat_member"])
def test_only_the_organisations_admins_open_its_contact_page(
    cvd_world: World, client_for: Any, make_user: Any, who: str
) -> None:
    from tests.cvd.conftest import member_of

    if who == "secretariat_member":
        user = member_of(make_user, cvd_world.vendor_a, "staff@acme.example")  # not an admin
    else:
        user = getattr(cvd_world, who)
    client = client_for(user)
    assert client.get(contact_url(cvd_world)).status_code == 404
    posted = client.post(contact_url(cvd_world), {"email": "x@acme.example"})
    assert posted.status_code == 404
    assert client.get(reverse("cvd:contact", args=["no-such-org"])).status_code == 404
    assert not SecurityContact.objects.exists()


def test_the_contact_api_gets_and_sets_the_registered_contact(
    cvd_world: World, key: pysequoia.Tsk
) -> None:
    client = Client(**token_for(cvd_world.vendor_a_admin, cvd_world.vendor_a))
    url = f"/api/v1/cvd/contacts/{cvd_world.vendor_a.slug}"
    assert client.get(url).status_code == 404  # none registered yet
    body = {"email": "cert@acme.example", "openpgp_key": public(key)}
    saved = client.put(url, body, content_type="application/json")
    assert saved.status_code == 200
    assert saved.json()["fingerprint"] == fingerprint(key)
    got = client.get(url).json()
    assert (got["organisation"], got["email"]) == ("acme", "cert@acme.example")
    bad = client.put(
        url, {"email": "cert@acme.example", "openpgp_key": "junk"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "openpgp_key"
    assert SecurityContact.objects.get().fingerprint == fingerprint(key)  # nothing lost


def test_the_contact_api_answers_404_for_another_organisation(cvd_world: World) -> None:
    client = Client(**token_for(cvd_world.vendor_b_member, cvd_world.vendor_b))
    url = f"/api/v1/cvd/contacts/{cvd_world.vendor_a.slug}"
    assert client.get(url).status_code == 404
    put = client.put(url, {"email": "x@acme.example"}, content_type="application/json")
    assert put.status_code == 404


def test_the_contact_line_shows_the_address_and_the_key_or_that_there_is_none(
    cvd_world: World, key: pysequoia.Tsk
) -> None:
    from django.template.loader import render_to_string

    from accord.cvd.selectors import delivery as selectors

    def line(row: Any) -> str:
        return render_to_string("cvd/delivery/_contact_line.html", {"row": row})

    encrypted = Delivery.objects.create(
        participant=cvd_world.participant_a, address="psirt@acme.example",
        source="security_txt", fingerprint=fingerprint(key), through=1,
    )  # fmt: skip
    held = Delivery.objects.create(
        participant=cvd_world.participant_b, address="dev@bolt.example", source="invited",
        held=True, through=1,
    )  # fmt: skip
    plain = Delivery.objects.create(
        participant=cvd_world.participant_b, address="dev@bolt.example", source="invited",
        through=1,
    )  # fmt: skip
    nowhere = Delivery.objects.create(
        participant=cvd_world.participant_b, address="", source="none", through=1
    )
    rows = {r.delivery.pk: r for r in selectors.rows([encrypted, held, plain, nowhere])}
    assert f'encrypted to <code class="fingerprint">{fingerprint(key)}</code>' in line(
        rows[encrypted.pk]
    )
    assert "security.txt (verified)" in line(rows[encrypted.pk])
    assert "<strong>held</strong>: not sent unencrypted" in line(rows[held.pk])
    assert '<strong class="unencrypted">unencrypted</strong>: not sent' in line(rows[plain.pk])
    assert "<strong>No contact</strong>: no contact" in line(rows[nowhere.pk])
    assert "Not notified yet" in line(None)


def test_the_delivery_pages_keep_the_strict_content_security_policy(
    cvd_world: World, client_for: Any
) -> None:
    import re

    from tests.web.test_content_security_policy import assert_strict

    Delivery.objects.create(
        participant=cvd_world.participant_a, address="", source="none", through=1
    )
    pages = [
        client_for(cvd_world.secretariat).get(deliveries_url(cvd_world.case)),
        client_for(cvd_world.vendor_a_admin).get(contact_url(cvd_world)),
    ]
    for page in pages:
        assert_strict(page)
        html = page.content.decode()
        assert not re.search(r"<style|\sstyle=|<script(?![^>]*\ssrc=)|\son[a-z]+=", html)
