"""The discussion through the JSON API: threads, posts, edits and read markers, with the
same rules as the pages, and bad input answered 4xx with the field named."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accord.accounts.models import Organisation, User
from accord.accounts.services import create_api_token
from accord.cvd.models import Case, Post, Thread
from accord.cvd.services import cases
from accord.cvd.services import discussion as services

pytestmark = pytest.mark.django_db

JSON = "application/json"


def api_for(user: User, organisation: Organisation) -> Client:
    _, secret = create_api_token(user=user, organisation=organisation, name="tracker")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def led(cvd_world: Any) -> Case:
    """A case Gamma CERT leads, with both vendors and the observer agency in it."""
    w = cvd_world
    case = cases.open_case(
        actor=w.coordinator, title="Led by Gamma", organisation=w.coordinator_org
    )
    for organisation, role in (
        (w.vendor_a, "vendor"),
        (w.vendor_b, "vendor"),
        (w.observer_org, "observer"),
    ):
        cases.add_participant(actor=w.coordinator, case=case, role=role, organisation=organisation)
    return case


def threads_url(case: Case) -> str:
    return f"/api/v1/cvd/cases/{case.reference}/threads"


def posts_url(thread: Thread) -> str:
    return f"{threads_url(thread.case)}/{thread.pk}/posts"


def party(case: Case, organisation: Organisation) -> int:
    return case.participants.get(organisation=organisation).pk


def test_the_lead_starts_a_thread_and_vendors_post_in_it(cvd_world: Any, led: Case) -> None:
    w = cvd_world
    lead = api_for(w.coordinator, w.coordinator_org)
    answer = lead.post(threads_url(led), {"title": "Timeline", "body": "**Dates?**"}, JSON)
    assert answer.status_code == 201, answer.json()
    thread = answer.json()
    assert thread["title"] == "Timeline"
    assert thread["post_count"] == 1
    assert thread["private_with"] is None
    assert thread["unread"] == 0
    vendor = api_for(w.vendor_a_admin, w.vendor_a)
    listing = vendor.get(threads_url(led)).json()
    assert listing["count"] == 1
    assert listing["unread"] == 1
    assert listing["items"][0]["unread"] == 1
    created = Thread.objects.get(pk=thread["id"])
    posts = vendor.get(posts_url(created)).json()
    first = posts["items"][0]
    assert first["html"] == "<p><strong>Dates?</strong></p>\n"
    assert first["body"] == "**Dates?**"
    assert first["unread"] is True
    assert first["mine"] is False
    assert first["author"].endswith("Gamma CERT (coordinator)")
    reply = vendor.post(posts_url(created), {"body": "Friday", "parent": first["id"]}, JSON)
    assert reply.status_code == 201
    assert reply.json()["parent"] == first["id"]
    assert reply.json()["mine"] is True
    assert Post.objects.filter(thread=created).count() == 2


def test_vendor_b_never_reads_vendor_a_private_thread(cvd_world: Any, led: Case) -> None:
    w = cvd_world
    a = api_for(w.vendor_a_admin, w.vendor_a)
    answer = a.post(
        threads_url(led),
        {"title": "Acme only", "body": "secret", "private_with": party(led, w.vendor_a)},
        JSON,
    )
    assert answer.status_code == 201
    thread = Thread.objects.get(pk=answer.json()["id"])
    b = api_for(w.vendor_b_member, w.vendor_b)
    listing = b.get(threads_url(led)).json()
    assert listing["count"] == 0
    assert listing["unread"] == 0
    assert b.get(posts_url(thread)).status_code == 404
    assert b.post(posts_url(thread), {"body": "peek"}, JSON).status_code == 404
    post = thread.posts.get()
    assert b.patch(f"{posts_url(thread)}/{post.pk}", {"body": "x"}, JSON).status_code == 404
    assert b.post(f"{threads_url(led)}/{thread.pk}/read", {}, JSON).status_code == 404
    # Nor may vendor B open a private thread in vendor A's name.
    refused = b.post(
        threads_url(led), {"title": "x", "body": "y", "private_with": party(led, w.vendor_a)}, JSON
    )
    assert refused.status_code == 403
    lead = api_for(w.coordinator, w.coordinator_org)
    assert lead.get(threads_url(led)).json()["unread"] == 1


def test_observers_read_only_what_is_opened_to_them(cvd_world: Any, led: Case) -> None:
    w = cvd_world
    lead = api_for(w.coordinator, w.coordinator_org)
    made = lead.post(threads_url(led), {"title": "For all", "body": "b"}, JSON).json()
    observer = api_for(w.observer, w.observer_org)
    assert observer.get(threads_url(led)).json()["count"] == 0
    change = f"{threads_url(led)}/{made['id']}"
    vendor = api_for(w.vendor_a_admin, w.vendor_a)
    assert vendor.patch(change, {"include_observers": True}, JSON).status_code == 403
    opened = lead.patch(change, {"include_observers": True}, JSON)
    assert opened.status_code == 200
    assert opened.json()["include_observers"] is True
    assert observer.get(threads_url(led)).json()["count"] == 1


def test_only_the_author_edits(cvd_world: Any, led: Case) -> None:
    w = cvd_world
    lead = api_for(w.coordinator, w.coordinator_org)
    made = lead.post(threads_url(led), {"title": "T", "body": "Frist"}, JSON).json()
    thread = Thread.objects.get(pk=made["id"])
    post = thread.posts.get()
    url = f"{posts_url(thread)}/{post.pk}"
    vendor = api_for(w.vendor_a_admin, w.vendor_a)
    refused = vendor.patch(url, {"body": "mine"}, JSON)
    assert refused.status_code == 403
    edited = lead.patch(url, {"body": "First"}, JSON)
    assert edited.status_code == 200
    assert edited.json()["edited_at"] is not None
    assert edited.json()["html"] == "<p>First</p>\n"
    assert lead.patch(f"{posts_url(thread)}/{2**62}", {"body": "x"}, JSON).status_code == 404


def test_marking_read_moves_the_unread_count(cvd_world: Any, led: Case) -> None:
    w = cvd_world
    lead = api_for(w.coordinator, w.coordinator_org)
    made = lead.post(threads_url(led), {"title": "T", "body": "one"}, JSON).json()
    thread = Thread.objects.get(pk=made["id"])
    services.post_reply(actor=w.coordinator, thread=thread, body="two")
    vendor = api_for(w.vendor_a_admin, w.vendor_a)
    read = f"{threads_url(led)}/{thread.pk}/read"
    first = thread.posts.order_by("id").first()
    assert first is not None
    once = vendor.post(read, {"through": first.pk}, JSON)
    assert once.status_code == 200
    assert once.json()["unread"] == 1
    listed = vendor.get(posts_url(thread)).json()["items"]
    assert [item["unread"] for item in listed] == [False, True]
    assert vendor.post(read, {}, JSON).json()["unread"] == 0
    elsewhere = lead.post(threads_url(led), {"title": "U", "body": "x"}, JSON).json()
    other = Thread.objects.get(pk=elsewhere["id"]).posts.get()
    wrong = vendor.post(read, {"through": other.pk}, JSON)
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "through"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "", "body": "b"}, "title"),
        ({"title": "t", "body": "   "}, "body"),
        ({"title": "t" * 201, "body": "b"}, "title"),
        ({"title": "t", "body": "b" * 20_001}, "body"),
        ({"title": "t", "body": "b", "private_with": 2**62}, "private_with"),
        ({"title": "t", "body": "b", "private_with": 0}, "private_with"),
        ({"body": "b"}, "title"),
    ],
)
def test_bad_thread_input_names_the_field(
    cvd_world: Any, led: Case, payload: dict[str, Any], field: str
) -> None:
    w = cvd_world
    answer = api_for(w.coordinator, w.coordinator_org).post(threads_url(led), payload, JSON)
    assert answer.status_code == 422
    assert answer.json()["field"] == field
    assert not Thread.objects.filter(case=led).exists()


def test_bad_post_input_names_the_field_and_keeps_what_is_stored(cvd_world: Any, led: Case) -> None:
    w = cvd_world
    lead = api_for(w.coordinator, w.coordinator_org)
    made = lead.post(threads_url(led), {"title": "T", "body": "Kept"}, JSON).json()
    other = lead.post(threads_url(led), {"title": "U", "body": "x"}, JSON).json()
    thread = Thread.objects.get(pk=made["id"])
    foreign = Thread.objects.get(pk=other["id"]).posts.get()
    wrong_parent = lead.post(posts_url(thread), {"body": "r", "parent": foreign.pk}, JSON)
    assert wrong_parent.status_code == 422
    assert wrong_parent.json()["field"] == "parent"
    empty = lead.patch(f"{posts_url(thread)}/{thread.posts.get().pk}", {"body": ""}, JSON)
    assert empty.status_code == 422
    assert empty.json()["field"] == "body"
    assert thread.posts.get().body == "Kept"


def test_outside_the_case_nothing_exists(cvd_world: Any, led: Case) -> None:
    w = cvd_world
    outsider = api_for(w.outsider, Organisation.objects.get(slug="other"))
    assert outsider.get(threads_url(led)).status_code == 404
    assert outsider.post(threads_url(led), {"title": "t", "body": "b"}, JSON).status_code == 404
    assert outsider.get("/api/v1/cvd/cases/ACC-1999-0001/threads").status_code == 404
    lead = api_for(w.coordinator, w.coordinator_org)
    assert lead.get(f"{threads_url(led)}/{2**62}/posts").status_code == 404
    assert Client().get(threads_url(led)).status_code == 401


def test_a_vendor_may_not_start_a_case_thread(cvd_world: Any, led: Case) -> None:
    w = cvd_world
    vendor = api_for(w.vendor_a_admin, w.vendor_a)
    answer = vendor.post(threads_url(led), {"title": "t", "body": "b"}, JSON)
    assert answer.status_code == 403


def test_a_closed_case_answers_409(cvd_world: Any, led: Case) -> None:
    w = cvd_world
    lead = api_for(w.coordinator, w.coordinator_org)
    made = lead.post(threads_url(led), {"title": "T", "body": "b"}, JSON).json()
    Case.objects.filter(pk=led.pk).update(closed_at="2026-01-01T00:00:00Z")
    thread = Thread.objects.get(pk=made["id"])
    assert lead.post(posts_url(thread), {"body": "late"}, JSON).status_code == 409
    assert lead.get(posts_url(thread)).status_code == 200


def test_pages_of_threads(cvd_world: Any, led: Case) -> None:
    w = cvd_world
    Thread.objects.bulk_create(Thread(case=led, title=f"T{n}") for n in range(30))
    lead = api_for(w.coordinator, w.coordinator_org)
    second = lead.get(threads_url(led), {"page": 2}).json()
    assert (second["page"], second["pages"], second["count"]) == (2, 2, 30)
    assert len(second["items"]) == 5
    assert lead.get(threads_url(led), {"page": 0}).status_code == 422
    beyond = lead.get(threads_url(led), {"page": 99}).json()
    assert beyond["page"] == 2
