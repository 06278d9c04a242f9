"""The case discussion's services and selectors: who starts, reads and writes which
threads, replies and edits, the timeline entries, and the unread counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accord.access import Permission, has_perm
from accord.audit.models import Event as AuditEvent
from accord.cvd.exceptions import InvalidField, NotAllowed, NotFound, StateConflict
from accord.cvd.models import Case, CaseEvent, Post, ReadMarker, Report, Thread
from accord.cvd.selectors import discussion as selectors
from accord.cvd.services import cases
from accord.cvd.services import discussion as services

pytestmark = pytest.mark.django_db


def case_thread(w: Any, **extra: Any) -> Thread:
    return services.start_thread(
        actor=w.secretariat, case=w.case, title="Patch timing", body="When can you ship?", **extra
    )


def private_thread(w: Any) -> Thread:
    """Vendor A's own private thread with the coordinators."""
    return services.start_thread(
        actor=w.vendor_a_admin,
        case=w.case,
        title="Our exposure",
        body="Only for the coordinators.",
        private_with=w.participant_a,
    )


def readers(thread: Thread, people: list[Any]) -> set[Any]:
    return {p for p in people if has_perm(p, Permission.CVD_POST_VIEW, thread)}


def everyone(w: Any) -> list[Any]:
    return [
        w.secretariat,
        w.vendor_a_admin,
        w.vendor_b_member,
        w.observer,
        w.outsider,
        w.coordinator,
    ]


# Starting threads ----------------------------------------------------------------------


def test_the_lead_starts_a_case_thread_every_party_reads(cvd_world: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    assert thread.posts.get().body == "When can you ship?"
    assert readers(thread, everyone(w)) == {w.secretariat, w.vendor_a_admin, w.vendor_b_member}
    services.open_to_observers(actor=w.secretariat, thread=thread, include=True)
    assert w.observer in readers(thread, everyone(w))
    services.open_to_observers(actor=w.secretariat, thread=thread, include=False)
    assert w.observer not in readers(thread, everyone(w))


def test_a_thread_opened_to_observers_from_the_start(cvd_world: Any) -> None:
    w = cvd_world
    thread = case_thread(w, include_observers=True)
    assert w.observer in readers(thread, everyone(w))
    assert selectors.unread_posts(w.observer, w.case) == 1


def test_a_vendor_does_not_start_a_case_thread(cvd_world: Any) -> None:
    w = cvd_world
    with pytest.raises(NotAllowed):
        services.start_thread(actor=w.vendor_a_admin, case=w.case, title="Hi", body="All")
    assert not Thread.objects.exists()


def test_a_vendor_opens_its_own_private_thread_and_vendor_b_never_reads_it(cvd_world: Any) -> None:
    w = cvd_world
    thread = private_thread(w)
    assert readers(thread, everyone(w)) == {w.secretariat, w.vendor_a_admin}
    assert selectors.thread_for(w.vendor_b_member, w.case, thread.pk) is None
    assert selectors.post_for(w.vendor_b_member, thread, thread.posts.get().pk) is None
    assert selectors.unread_posts(w.vendor_b_member, w.case) == 0
    assert not selectors.threads(w.vendor_b_member, w.case).exists()
    assert selectors.unread_posts(w.secretariat, w.case) == 1


def test_nobody_opens_a_private_thread_for_someone_else(cvd_world: Any) -> None:
    w = cvd_world
    with pytest.raises(NotAllowed):
        services.start_thread(
            actor=w.vendor_b_member, case=w.case, title="x", body="y", private_with=w.participant_a
        )


def test_the_lead_opens_a_private_thread_with_any_participant(cvd_world: Any) -> None:
    w = cvd_world
    thread = services.start_thread(
        actor=w.secretariat, case=w.case, title="Just you", body="?", private_with=w.participant_b
    )
    assert readers(thread, everyone(w)) == {w.secretariat, w.vendor_b_member}


def test_an_observer_has_its_own_private_thread(cvd_world: Any) -> None:
    w = cvd_world
    thread = services.start_thread(
        actor=w.observer, case=w.case, title="Q", body="?", private_with=w.participant_observer
    )
    assert readers(thread, everyone(w)) == {w.secretariat, w.observer}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": ""}, "body"),
        ({"body": "x" * 20_001}, "body"),
        ({"body": "a\x00b"}, "body"),
        ({"include_observers": True, "private": True}, "include_observers"),
    ],
)
def test_bad_thread_fields_name_the_field(
    cvd_world: Any, fields: dict[str, Any], field: str
) -> None:
    w = cvd_world
    values: dict[str, Any] = {"title": "Title", "body": "Body"} | fields
    if values.pop("private", False):
        values["private_with"] = w.participant_a
    with pytest.raises(InvalidField) as refused:
        services.start_thread(actor=w.secretariat, case=w.case, **values)
    assert refused.value.field == field
    assert not Thread.objects.exists()


def test_a_private_thread_is_with_a_participant_of_this_case_other_than_a_coordinator(
    cvd_world: Any,
) -> None:
    w = cvd_world
    other = cases.open_case(actor=w.secretariat, title="Another case")
    stranger = cases.add_participant(
        actor=w.secretariat, case=other, role="vendor", organisation=w.vendor_a
    )
    for party in (stranger, w.lead):
        with pytest.raises(InvalidField) as refused:
            services.start_thread(
                actor=w.secretariat, case=w.case, title="x", body="y", private_with=party
            )
        assert refused.value.field == "private_with"
    cases.remove_participant(actor=w.secretariat, participant=w.participant_b)
    with pytest.raises(InvalidField):
        services.start_thread(
            actor=w.secretariat, case=w.case, title="x", body="y", private_with=w.participant_b
        )


def test_outside_the_case_there_is_nothing_to_post_in(cvd_world: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    with pytest.raises(NotFound):
        services.start_thread(actor=w.outsider, case=w.case, title="x", body="y")
    with pytest.raises(NotFound):
        services.post_reply(actor=w.outsider, thread=thread, body="hello")
    with pytest.raises(NotFound):
        services.mark_read(actor=w.outsider, thread=thread)
    with pytest.raises(NotFound):
        services.open_to_observers(actor=w.outsider, thread=thread, include=True)


def test_an_observer_cannot_post_in_a_thread_it_does_not_read(cvd_world: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    with pytest.raises(NotFound):
        services.post_reply(actor=w.observer, thread=thread, body="hello")
    with pytest.raises(NotFound):
        services.post_reply(actor=w.vendor_b_member, thread=private_thread(w), body="peek")


def test_only_the_lead_decides_what_observers_read(cvd_world: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    with pytest.raises(NotAllowed):
        services.open_to_observers(actor=w.vendor_a_admin, thread=thread, include=True)
    with pytest.raises(InvalidField) as refused:
        services.open_to_observers(actor=w.secretariat, thread=private_thread(w), include=True)
    assert refused.value.field == "include_observers"
    before = CaseEvent.objects.count()
    services.open_to_observers(actor=w.secretariat, thread=thread, include=False)
    assert CaseEvent.objects.count() == before  # no change, nothing recorded


# Posts, replies, edits ---------------------------------------------------------------


def test_parties_reply_and_the_thread_moves_up(cvd_world: Any) -> None:
    w = cvd_world
    first, second = case_thread(w), case_thread(w)
    earlier = first.last_post_at
    question = first.posts.get()
    answer = services.post_reply(
        actor=w.vendor_b_member, thread=first, body="Next week", parent=question
    )
    assert answer.parent == question
    assert answer.author_participant == w.participant_b
    first.refresh_from_db()
    assert first.last_post_at > earlier
    assert list(selectors.threads(w.secretariat, w.case)) == [first, second]


def test_a_reply_is_to_a_post_of_the_same_thread(cvd_world: Any) -> None:
    w = cvd_world
    elsewhere = case_thread(w).posts.get()
    with pytest.raises(InvalidField) as refused:
        services.post_reply(
            actor=w.vendor_a_admin, thread=case_thread(w), body="x", parent=elsewhere
        )
    assert refused.value.field == "parent"


def test_only_the_author_edits_and_the_edit_shows(cvd_world: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    post = services.post_reply(actor=w.vendor_a_admin, thread=thread, body="Frist")
    with pytest.raises(NotAllowed):
        services.edit_post(actor=w.secretariat, post=post, body="Mine now")
    same = services.edit_post(actor=w.vendor_a_admin, post=post, body="Frist")
    assert same.edited_at is None
    edited = services.edit_post(actor=w.vendor_a_admin, post=post, body="First")
    assert Post.objects.get(pk=post.pk).body == "First"
    assert edited.edited_at is not None
    assert CaseEvent.objects.filter(tag="cvd:post:edit").count() == 1
    with pytest.raises(InvalidField) as refused:
        services.edit_post(actor=w.vendor_a_admin, post=post, body=" ")
    assert refused.value.field == "body"
    assert Post.objects.get(pk=post.pk).body == "First"  # nothing stored is lost


def test_a_closed_case_keeps_its_discussion_read_only(cvd_world: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    post = thread.posts.get()
    Case.objects.filter(pk=w.case.pk).update(closed_at=timezone.now())
    thread = Thread.objects.select_related("case").get(pk=thread.pk)
    with pytest.raises(StateConflict):
        services.post_reply(actor=w.vendor_a_admin, thread=thread, body="late")
    with pytest.raises(StateConflict):
        services.edit_post(actor=w.secretariat, post=Post.objects.get(pk=post.pk), body="new")
    with pytest.raises(StateConflict):
        services.start_thread(actor=w.secretariat, case=thread.case, title="t", body="b")
    assert not selectors.may_edit(w.secretariat, Post.objects.get(pk=post.pk))


def test_who_speaks_for_whom(cvd_world: Any, make_user: Any) -> None:
    """A person who is several participants speaks as the thread's own party in a
    private thread, else by role; a lead who is no participant as the coordinator."""
    w = cvd_world
    own = cases.open_case(actor=w.vendor_a_admin, title="Own flaw", organisation=w.vendor_a)
    vendor = own.participants.get(role="vendor")
    private = services.start_thread(
        actor=w.vendor_a_admin, case=own, title="p", body="b", private_with=vendor
    )
    assert private.posts.get().author_participant == vendor
    shared = services.start_thread(actor=w.vendor_a_admin, case=own, title="s", body="b")
    assert shared.posts.get().author_participant.role == "coordinator"
    other_secretary = make_user("sec2@accord.example", instance_role="secretariat")
    post = services.post_reply(actor=other_secretary, thread=case_thread(w), body="hi")
    assert post.author_participant is None
    assert selectors.author_of(w.vendor_a_admin, post) == "Coordinator"


# The timeline and the audit ----------------------------------------------------------


def test_each_step_is_recorded_for_those_who_read_the_thread(cvd_world: Any) -> None:
    w = cvd_world
    shared = case_thread(w)
    private = private_thread(w)
    services.post_reply(actor=w.secretariat, thread=private, body="Secret detail")
    tags = list(CaseEvent.objects.order_by("id").values_list("tag", "audience", "private_with"))
    assert tags[-3:] == [
        ("cvd:thread:start", "case", None),
        ("cvd:thread:start", "private", w.participant_a.pk),
        ("cvd:post:create", "private", w.participant_a.pk),
    ]
    assert AuditEvent.objects.filter(tag="cvd:post:create").count() == 1
    b_sees = CaseEvent.objects.visible_to(w.vendor_b_member)
    assert shared.title in " ".join(b_sees.values_list("summary", flat=True))
    assert not b_sees.filter(tag__startswith="cvd:", audience="private").exists()
    # The texts stay out of the audit data.
    assert "Secret detail" not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def reported_case(w: Any, make_user: Any, *, disclosed: bool) -> tuple[Case, Any]:
    reporter = make_user("finder@example.net")
    report = Report.objects.create(
        reference=f"R-2026-{int(disclosed) + 1:04d}",
        title="Bug",
        description="d",
        reporter=reporter,
        reporter_name="Erin Finder",
        identity_disclosed=disclosed,
    )
    case = cases.open_case(actor=w.secretariat, title="Reported", report=report)
    cases.add_participant(actor=w.secretariat, case=case, role="vendor", organisation=w.vendor_a)
    return case, reporter


@pytest.mark.parametrize("disclosed", [False, True])
def test_a_reporter_who_stays_anonymous_is_never_named_to_vendors(
    cvd_world: Any, make_user: Any, disclosed: bool
) -> None:
    w = cvd_world
    case, reporter = reported_case(w, make_user, disclosed=disclosed)
    thread = services.start_thread(actor=w.secretariat, case=case, title="Thanks", body="x")
    post = services.post_reply(actor=reporter, thread=thread, body="Happy to help")
    vendor_sees = selectors.author_of(w.vendor_a_admin, post)
    assert (vendor_sees == selectors.ANONYMOUS_REPORTER) is not disclosed
    assert ("Erin Finder" in vendor_sees) is disclosed
    assert "Erin Finder" in selectors.author_of(w.secretariat, post)
    assert "Erin Finder" in selectors.author_of(reporter, post)
    summaries = CaseEvent.objects.visible_to(w.vendor_a_admin).values_list("summary", flat=True)
    assert not any("Erin Finder" in summary for summary in summaries)
    assert "The reporter replied" not in " ".join(summaries)
    assert "The reporter posted in “Thanks”" in " ".join(summaries)


# Unread markers ----------------------------------------------------------------------


def test_unread_counts_move_as_people_post_and_read(cvd_world: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    assert selectors.unread_posts(w.secretariat, w.case) == 0  # one's own posts are read
    assert selectors.unread_posts(w.vendor_a_admin, w.case) == 1
    reply = services.post_reply(actor=w.vendor_b_member, thread=thread, body="Soon")
    assert selectors.unread_posts(w.vendor_a_admin, w.case) == 2
    assert selectors.threads(w.vendor_a_admin, w.case).get().unread == 2
    services.mark_read(actor=w.vendor_a_admin, thread=thread, through=thread.posts.first())
    assert selectors.unread_posts(w.vendor_a_admin, w.case) == 1
    services.mark_read(actor=w.vendor_a_admin, thread=thread)
    assert selectors.unread_posts(w.vendor_a_admin, w.case) == 0
    listed = selectors.threads(w.vendor_a_admin, w.case).get()
    assert (listed.unread, listed.post_count) == (0, 2)
    # Reading an older post again does not make the newer unread.
    services.mark_read(actor=w.vendor_a_admin, thread=thread, through=thread.posts.first())
    assert selectors.read_through(w.vendor_a_admin, thread) == reply.created_at
    assert ReadMarker.objects.filter(user=w.vendor_a_admin).count() == 1


def test_marking_read_names_a_post_of_the_thread(cvd_world: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    with pytest.raises(InvalidField) as refused:
        services.mark_read(actor=w.secretariat, thread=thread, through=case_thread(w).posts.get())
    assert refused.value.field == "through"
    empty = Thread.objects.create(case=w.case, title="Empty")
    assert services.mark_read(actor=w.secretariat, thread=empty) is None


def test_a_visitor_reads_nothing(cvd_world: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    w = cvd_world
    thread = case_thread(w)
    visitor = AnonymousUser()
    assert selectors.unread_posts(visitor, w.case) == 0
    assert not selectors.threads(visitor, w.case).exists()
    assert selectors.thread_for(visitor, w.case, thread.pk) is None
    assert selectors.read_through(visitor, thread) is None
    assert not selectors.may_edit(visitor, thread.posts.get())


def test_lookups_refuse_ids_that_are_not_ids(cvd_world: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    for bad in ("x", "", "-1", "0", str(2**64)):
        assert selectors.thread_for(w.secretariat, w.case, bad) is None
        assert selectors.post_for(w.secretariat, thread, bad) is None
    assert selectors.party_for(w.secretariat, w.case, 2**64) is None
    assert selectors.party_for(w.secretariat, w.case, w.participant_a.pk) == w.participant_a
    assert selectors.thread_for(w.secretariat, w.case, str(thread.pk)) == thread


def test_the_lead_may_open_private_threads_for_every_party_a_vendor_for_itself(
    cvd_world: Any,
) -> None:
    w = cvd_world
    assert set(selectors.private_parties(w.secretariat, w.case)) == {
        w.participant_a,
        w.participant_b,
        w.participant_observer,
    }
    assert list(selectors.private_parties(w.vendor_b_member, w.case)) == [w.participant_b]
    assert not selectors.private_parties(w.outsider, w.case).exists()


def test_a_thread_opens_at_the_first_unread_page(cvd_world: Any) -> None:
    w = cvd_world
    thread = case_thread(w)
    start = timezone.now()
    Post.objects.bulk_create(
        Post(
            thread=thread,
            author=w.secretariat,
            body=f"{n}",
            created_at=start + timedelta(seconds=n),
        )
        for n in range(1, selectors.POSTS_PER_PAGE + 10)
    )
    reader = w.vendor_a_admin
    assert selectors.first_unread_page(reader, thread, None) == 1
    newest_on_first = selectors.posts(reader, thread)[selectors.POSTS_PER_PAGE - 1]
    services.mark_read(actor=reader, thread=thread, through=newest_on_first)
    through = selectors.read_through(reader, thread)
    assert selectors.first_unread_page(reader, thread, through) == 2
    page, shown = selectors.posts_page(reader, thread, selectors.LAST, through=through)
    assert page.number == 2
    assert all(view.unread for view in shown)
    assert selectors.page_of(reader, shown[0].post) == 2
    assert selectors.page_of(reader, thread.posts.order_by("id").first()) == 1


def test_observers_learn_no_other_party_through_a_thread_opened_to_them(cvd_world: Any) -> None:
    """An observer sees only itself and the coordinators among the participants: in a
    thread opened to it, a vendor's post is the vendor's, unnamed."""
    w = cvd_world
    thread = case_thread(w, include_observers=True)
    post = services.post_reply(actor=w.vendor_a_admin, thread=thread, body="We patched")
    assert selectors.author_of(w.observer, post) == "Vendor"
    assert "Acme Routers (vendor)" in selectors.author_of(w.vendor_b_member, post)
    _, shown = selectors.posts_page(w.observer, thread, 1, through=None)
    assert [view.author for view in shown] == [
        selectors.author_of(w.observer, thread.posts.order_by("id").first()),
        "Vendor",
    ]
    assert "secretariat (coordinator)" in shown[0].author
