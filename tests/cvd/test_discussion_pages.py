"""The discussion pages: the thread list with unread counts, a thread's posts, replying,
editing, and who reads what, through the Django test client."""

from __future__ import annotations

import sys
import types
from datetime import timedelta
from typing import Any

import pytest
from django.http import HttpResponse
from django.urls import NoReverseMatch, URLResolver, include, path, reverse
from django.utils import timezone

from accord import urls as site_urls
from accord.cvd import urls as cvd_urls
from accord.cvd.models import Participant, Post, Report, Thread
from accord.cvd.selectors import discussion as selectors
from accord.cvd.services import cases
from accord.cvd.services import discussion as services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("case_tabs")]

URLCONF = "tests.cvd.discussion_tab_urls"
TABS = ("case", "embargo", "statements", "timeline", "deliveries")


@pytest.fixture
def case_tabs(settings: Any) -> None:
    """The case header links every tab; on a branch where another part's page is not
    built yet, a placeholder answers its name (once it exists, it is used instead). The
    site's own URL configuration, with the placeholders beside the CVD pages."""

    def placeholder(request: Any, reference: str) -> HttpResponse:
        return HttpResponse("")

    missing = []
    for name in TABS:
        try:
            reverse(f"cvd:{name}", args=["ACC-2026-0001"])
        except NoReverseMatch:
            missing.append(path(f"cvd/<str:reference>/placeholder-{name}/", placeholder, name=name))
    cvd = path("", include(([*cvd_urls.urlpatterns, *missing], "cvd")))
    module = types.ModuleType(URLCONF)
    module.urlpatterns = [  # type: ignore[attr-defined]
        cvd if isinstance(p, URLResolver) and p.urlconf_name is cvd_urls else p
        for p in site_urls.urlpatterns
    ]
    sys.modules[URLCONF] = module
    settings.ROOT_URLCONF = URLCONF


def discussion_url(w: Any) -> str:
    return reverse("cvd:discussion", args=[w.case.reference])


def thread_url(thread: Thread, **query: Any) -> str:
    url = reverse("cvd:thread", args=[thread.case.reference, thread.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def case_thread(w: Any, body: str = "When can you ship?", **extra: Any) -> Thread:
    return services.start_thread(
        actor=w.secretariat, case=w.case, title="Patch timing", body=body, **extra
    )


def private_a(w: Any) -> Thread:
    return services.start_thread(
        actor=w.vendor_a_admin,
        case=w.case,
        title="Acme only",
        body="Our secret exposure",
        private_with=w.participant_a,
    )


# The thread list ---------------------------------------------------------------------


def test_the_thread_list_shows_unread_counts(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    services.post_reply(actor=w.vendor_b_member, thread=thread, body="Next week")
    page = client_for(w.vendor_a_admin).get(discussion_url(w))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Patch timing" in html
    assert 'data-unread="2"' in html
    assert '<span class="unread-count" id="unread-total">2 unread</span>' in html
    assert 'aria-current="page">Discussion' in html


def test_vendor_b_never_sees_vendor_a_private_thread(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    thread = private_a(w)
    b = client_for(w.vendor_b_member)
    listing = b.get(discussion_url(w)).content.decode()
    assert "Acme only" not in listing
    assert "unread" not in listing.split("<h2")[1].split("</h2>")[0]
    assert b.get(thread_url(thread)).status_code == 404
    post = thread.posts.get()
    edit = reverse("cvd:post_edit", args=[w.case.reference, thread.pk, post.pk])
    assert b.get(edit).status_code == 404
    reply = reverse("cvd:thread_reply", args=[w.case.reference, thread.pk])
    assert b.post(reply, {"body": "peek"}).status_code == 404
    assert thread.posts.count() == 1
    assert "Acme only" in client_for(w.secretariat).get(discussion_url(w)).content.decode()


def test_observers_read_only_the_threads_opened_to_them(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    closed, opened = case_thread(w), case_thread(w, include_observers=True)
    Thread.objects.filter(pk=opened.pk).update(title="Shared with observers")
    observer = client_for(w.observer)
    listing = observer.get(discussion_url(w)).content.decode()
    assert "Shared with observers" in listing
    assert "Patch timing" not in listing
    assert observer.get(thread_url(closed)).status_code == 404
    assert observer.get(thread_url(opened)).status_code == 200


def test_outsiders_and_visitors_find_no_discussion(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    assert client_for(w.outsider).get(discussion_url(w)).status_code == 404
    assert client_for(w.outsider).get(thread_url(thread)).status_code == 404
    visitor = client_for(w.outsider).__class__()
    assert visitor.get(discussion_url(w)).status_code == 302  # to the sign-in page


def test_the_lead_starts_a_thread_from_the_page(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    lead = client_for(w.secretariat)
    form = lead.get(discussion_url(w)).content.decode()
    assert 'name="include_observers"' in form
    assert 'name="private_with"' in form
    answer = lead.post(
        discussion_url(w), {"title": "Kick-off", "body": "**Welcome**", "include_observers": "on"}
    )
    thread = Thread.objects.get(title="Kick-off")
    assert answer.status_code == 302
    assert answer["Location"] == thread_url(thread)
    assert thread.include_observers
    assert thread.private_with is None


def test_a_vendor_writes_privately_to_the_coordinators(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    vendor = client_for(w.vendor_b_member)
    form = vendor.get(discussion_url(w)).content.decode()
    assert "Write to the coordinators" in form
    assert 'name="include_observers"' not in form
    answer = vendor.post(discussion_url(w), {"title": "Q", "body": "Just us"})
    assert answer.status_code == 422  # the private party is required
    assert "This field is required" in answer.content.decode()
    vendor.post(
        discussion_url(w), {"title": "Q", "body": "Just us", "private_with": w.participant_b.pk}
    )
    assert Thread.objects.get(title="Q").private_with == w.participant_b
    # Another participant is not a choice.
    refused = vendor.post(
        discussion_url(w), {"title": "R", "body": "x", "private_with": w.participant_a.pk}
    )
    assert refused.status_code == 422
    assert not Thread.objects.filter(title="R").exists()


def test_bad_thread_input_is_shown_again_with_the_message(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    lead = client_for(w.secretariat)
    answer = lead.post(discussion_url(w), {"title": "  ", "body": "Kept text"})
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "Kept text" in html
    assert 'id="id_title-errors"' in html
    both = lead.post(
        discussion_url(w),
        {"title": "t", "body": "b", "private_with": w.participant_a.pk, "include_observers": "on"},
    )
    assert both.status_code == 422
    assert "cannot be opened to the observers" in both.content.decode()
    assert not Thread.objects.exists()


def test_someone_without_a_party_to_speak_for_cannot_post_a_thread(
    cvd_world: Any, client_for: Any, make_user: Any
) -> None:
    """A member of the lead organisation who is no party other than coordinator, in a
    case led by an organisation: the lead, so the form is there; an outsider has none."""
    w = cvd_world
    case = cases.open_case(actor=w.coordinator, title="Led", organisation=w.coordinator_org)
    cases.add_participant(actor=w.coordinator, case=case, role="vendor", organisation=w.vendor_a)
    url = reverse("cvd:discussion", args=[case.reference])
    assert "Start a thread" in client_for(w.coordinator).get(url).content.decode()
    # A vendor's participant that was removed speaks for nobody any more.
    vendor = case.participants.get(role="vendor")
    cases.remove_participant(actor=w.coordinator, participant=vendor)
    assert client_for(w.vendor_a_admin).post(url, {"title": "t", "body": "b"}).status_code == 404


def test_a_non_lead_without_own_party_gets_no_form(cvd_world: Any, client_for: Any) -> None:
    """An other coordinator reads everything, and has its own participant to write for."""
    w = cvd_world
    cases.add_participant(
        actor=w.secretariat, case=w.case, role="other_coordinator", organisation=w.coordinator_org
    )
    html = client_for(w.coordinator).get(discussion_url(w)).content.decode()
    assert "Write to the coordinators" in html


# One thread --------------------------------------------------------------------------


def test_opening_a_thread_shows_new_posts_and_marks_them_read(
    cvd_world: Any, client_for: Any
) -> None:
    w = cvd_world
    thread = case_thread(w, body="# Plan\n\n*soon* <script>alert(1)</script>")
    a = client_for(w.vendor_a_admin)
    html = a.get(thread_url(thread)).content.decode()
    assert "<h1>Plan</h1>" in html
    assert "<em>soon</em>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert '<span class="new-marker">New</span>' in html
    assert selectors.unread_posts(w.vendor_a_admin, w.case) == 0
    again = a.get(thread_url(thread)).content.decode()
    assert '<span class="new-marker">New</span>' not in again
    assert 'data-unread="' not in a.get(discussion_url(w)).content.decode()


def test_replying_and_the_reply_form(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    question = thread.posts.get()
    b = client_for(w.vendor_b_member)
    form = b.get(thread_url(thread, reply_to=question.pk)).content.decode()
    assert f'name="parent" value="{question.pk}"' in form
    assert "Reply to " in form
    reply = reverse("cvd:thread_reply", args=[w.case.reference, thread.pk])
    answer = b.post(reply, {"body": "Next **week**", "parent": question.pk})
    created = Post.objects.get(body="Next **week**")
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"?page=last#post-{created.pk}")
    assert created.parent == question
    assert created.author_participant == w.participant_b
    shown = b.get(answer["Location"]).content.decode()
    plain = b.post(reply, {"body": "And a plain post"})
    assert plain.status_code == 302
    assert Post.objects.get(body="And a plain post").parent is None
    assert "<strong>week</strong>" in shown
    assert "In reply to" in shown


def test_bad_replies_are_refused_and_nothing_is_lost(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    thread, other = case_thread(w), case_thread(w)
    b = client_for(w.vendor_b_member)
    reply = reverse("cvd:thread_reply", args=[w.case.reference, thread.pk])
    empty = b.post(reply, {"body": "   "})
    assert empty.status_code == 422
    foreign = b.post(reply, {"body": "Kept reply", "parent": other.posts.get().pk})
    assert foreign.status_code == 422
    assert "Reply to a post of this thread." in foreign.content.decode()
    assert "Kept reply" in foreign.content.decode()
    too_long = b.post(reply, {"body": "x" * 20_001})
    assert too_long.status_code == 422
    nul = b.post(reply, {"body": "a\x00b"})
    assert nul.status_code == 400  # refused unread: the site takes no NUL bytes
    assert thread.posts.count() == 1
    assert b.get(thread_url(thread, reply_to="nope")).status_code == 200


def test_the_author_edits_a_post_others_may_not(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    post = services.post_reply(actor=w.vendor_a_admin, thread=thread, body="Frist")
    url = reverse("cvd:post_edit", args=[w.case.reference, thread.pk, post.pk])
    a = client_for(w.vendor_a_admin)
    assert "Frist" in a.get(url).content.decode()
    assert "Edit</a>" in a.get(thread_url(thread)).content.decode()
    assert a.post(url, {"body": ""}).status_code == 422
    saved = a.post(url, {"body": "First"})
    assert saved.status_code == 302
    post.refresh_from_db()
    assert post.body == "First"
    assert post.edited_at is not None
    assert "edited" in a.get(saved["Location"], follow=True).content.decode()
    b = client_for(w.vendor_b_member)
    assert b.get(url).status_code == 403
    assert b.post(url, {"body": "Hijacked"}).status_code == 403
    post.refresh_from_db()
    assert post.body == "First"
    missing = reverse("cvd:post_edit", args=[w.case.reference, thread.pk, 2**62])
    assert a.get(missing).status_code == 404


def test_the_lead_opens_a_thread_to_observers(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    url = reverse("cvd:thread_observers", args=[w.case.reference, thread.pk])
    assert client_for(w.vendor_a_admin).post(url, {"include_observers": "on"}).status_code == 403
    lead = client_for(w.secretariat)
    assert "Observers may read this thread" in lead.get(thread_url(thread)).content.decode()
    assert lead.post(url, {"include_observers": "on"}).status_code == 302
    assert Thread.objects.get(pk=thread.pk).include_observers
    assert client_for(w.observer).get(thread_url(thread)).status_code == 200
    lead.post(url, {})
    assert not Thread.objects.get(pk=thread.pk).include_observers
    assert client_for(w.observer).get(thread_url(thread)).status_code == 404


def test_a_post_has_its_own_address(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    post = thread.posts.get()
    url = reverse("cvd:post", args=[w.case.reference, thread.pk, post.pk])
    answer = client_for(w.vendor_a_admin).get(url)
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"?page=1#post-{post.pk}")
    private = private_a(w).posts.get()
    hidden = reverse("cvd:post", args=[w.case.reference, private.thread_id, private.pk])
    assert client_for(w.vendor_b_member).get(hidden).status_code == 404
    wrong = reverse("cvd:post", args=[w.case.reference, thread.pk, private.pk])
    assert client_for(w.secretariat).get(wrong).status_code == 404


def test_the_reporter_shows_as_anonymous_to_vendors(
    cvd_world: Any, client_for: Any, make_user: Any
) -> None:
    w = cvd_world
    reporter = make_user("finder@example.net", full_name="Erin Finder")
    report = Report.objects.create(
        reference="R-2026-0001", title="Bug", description="d", reporter=reporter,
        reporter_name="Erin Finder",
    )  # fmt: skip
    case = cases.open_case(actor=w.secretariat, title="Reported", report=report)
    cases.add_participant(actor=w.secretariat, case=case, role="vendor", organisation=w.vendor_a)
    thread = services.start_thread(actor=w.secretariat, case=case, title="Thanks", body="x")
    services.post_reply(actor=reporter, thread=thread, body="Glad to help")
    vendor_sees = client_for(w.vendor_a_admin).get(thread_url(thread)).content.decode()
    assert "Reporter (anonymous)" in vendor_sees
    assert "Erin Finder" not in vendor_sees
    lead_sees = client_for(w.secretariat).get(thread_url(thread)).content.decode()
    assert "Erin Finder" in lead_sees
    assert case.participants.filter(role=Participant.Role.REPORTER).exists()


# Pagination stays cheap ----------------------------------------------------------------


def many_posts(thread: Thread, author: Any, count: int) -> None:
    start = timezone.now()
    Post.objects.bulk_create(
        Post(
            thread=thread,
            author=author,
            body=f"Post **{n}**",
            created_at=start + timedelta(seconds=n),
        )
        for n in range(count)
    )


def many_threads(w: Any, count: int) -> None:
    Thread.objects.bulk_create(Thread(case=w.case, title=f"Thread {n}") for n in range(count))


@pytest.mark.parametrize("size", [10, 400])
def test_a_page_of_posts_costs_the_same_queries_however_long_the_thread(
    cvd_world: Any, client_for: Any, django_assert_max_num_queries: Any, size: int
) -> None:
    w = cvd_world
    thread = case_thread(w)
    many_posts(thread, w.vendor_b_member, size)
    replies = list(thread.posts.order_by("id")[1:6])
    for reply in replies:
        Post.objects.filter(pk=reply.pk).update(parent=thread.posts.order_by("id").first())
    a = client_for(w.vendor_a_admin)
    with django_assert_max_num_queries(22):  # with the unread count of the Discussion tab
        answer = a.get(thread_url(thread, page=2) if size > 50 else thread_url(thread))
    assert answer.status_code == 200
    assert answer.content.decode().count('class="post ') >= min(size, selectors.POSTS_PER_PAGE)


@pytest.mark.parametrize("size", [5, 300])
def test_a_page_of_threads_costs_the_same_queries_however_many(
    cvd_world: Any, client_for: Any, django_assert_max_num_queries: Any, size: int
) -> None:
    w = cvd_world
    many_threads(w, size)
    many_posts(Thread.objects.first(), w.secretariat, 30)
    for n in range(size // 10):
        services.start_thread(
            actor=w.secretariat, case=w.case, title=f"t{n}", body="b",
            private_with=[w.participant_a, w.participant_b][n % 2],
        )  # fmt: skip
    a = client_for(w.vendor_a_admin)
    with django_assert_max_num_queries(14):  # with the unread count of the Discussion tab
        answer = a.get(discussion_url(w) + "?page=2")
    assert answer.status_code == 200


def test_a_long_thread_opens_at_the_first_unread_post(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    many_posts(thread, w.vendor_b_member, 120)
    a = client_for(w.vendor_a_admin)
    first = a.get(thread_url(thread)).content.decode()
    assert "Page 1 of 3" in first
    second = a.get(thread_url(thread)).content.decode()
    assert "Page 2 of 3" in second  # the first page is read now
    assert a.get(thread_url(thread, page="last")).content.decode().count("new-marker") == 21


def test_an_empty_thread_and_a_reply_to_no_post(cvd_world: Any, client_for: Any) -> None:
    w = cvd_world
    empty = Thread.objects.create(case=w.case, title="Nothing yet")
    a = client_for(w.vendor_a_admin)
    assert "No posts on this page." in a.get(thread_url(empty)).content.decode()
    assert selectors.read_through(w.vendor_a_admin, empty) is None
    reply = reverse("cvd:thread_reply", args=[w.case.reference, empty.pk])
    answer = a.post(reply, {"body": "Hello", "parent": 2**40})
    assert answer.status_code == 422
    assert "Reply to a post of this thread." in answer.content.decode()
    assert not empty.posts.exists()
