"""CVD figures: a large case's pages against a naive query-per-row rendering, and the
encrypted notification fan-out to every vendor against the same messages unencrypted,
in the same run.

The question: with 500 vendors, 20 vulnerabilities, 10,000 statements and 5,000 posts
in one case, do the case page, the vendor-status matrix and a vendor's own view answer
in under 300 ms (VINCE took about 10 s a page at 121 vendors), and how fast are all the
vendors told, encrypted, through the outbox?

- Setup (a child process): a fresh SQLite database (or --database-url). A coordinator
  organisation (made one by the secretariat) opens the case through
  `services.cases.open_case`; --vendors vendor organisations are bulk-created, each with
  one member and a verified domain, then added through `services.cases.add_participant`
  (so the timeline has an entry per vendor, as the app writes it). --vulns
  vulnerabilities, each with one package-URL product, through
  `services.vulnerabilities.add_vulnerability`. Statements (one per vendor and
  vulnerability, VEX statuses mixed; --statements in all), 10 case threads (started
  through `services.discussion.start_thread`) and one private thread per tenth vendor,
  with --posts posts among them, bulk-created.
  Contacts: for each vendor the evidence service records a passing `security-txt`
  observation (`evidence.services.record_observation`) whose file names a mailto:
  contact and an https Encryption URI, and the `ContactKey` cache holds, for every URI,
  one public key generated once with pysequoia (so no key is fetched: this measures
  Accord, not a key server). Vendors are marked told of everything but the last two
  vulnerabilities, which are the news each fan-out tells of.
- Pages (a child process per round): through Django's test client with `force_login`,
  each timed over --requests requests after one warm-up: the case page and the matrix
  (first and a middle page) as the lead's coordinator, and the case page and the
  statements page as one vendor's member. The SQL query count of each is printed.
- Naive pages (a child process per round, alternating with Accord's): the same
  information as the three views, rendered with Django's template engine from inline
  templates, one query per row as VINCE's views do: the vendors of a page, then each
  one's organisation and, per vulnerability, its statement; the participants of the
  case page and each one's organisation, the vulnerabilities and each one's products; a
  vendor's participant row and its statement per vulnerability. It renders the same
  50-vendor page Accord shows, and once per round every vendor on one page (as VINCE
  does). It does less than Accord, which favours it: no permission filtering, no
  header, tabs, forms, pagination links, CSRF, session or middleware.
- Fan-out (a child process per round, with ACCORD_TASK_BACKEND=immediate so that the
  per-vendor tasks `accord.cvd.delivery_tasks.send_notice_task` and the outbox delivery
  run at once, in order): the vendors' `notified_through` is reset to the baseline,
  then `services.delivery.notify_vendors` is timed until every task has run. Without
  SMTP settings every message stays in the outbox. Each round checks that every vendor
  got one encrypted delivery. The peer is the same pipeline in the same run with only
  `openpgp.encrypt` replaced by the identity: the same messages, sent unencrypted.
  The per-message encryption cost is also timed alone on one real message.

Rounds alternate Accord pages, naive pages, encrypted fan-out, unencrypted fan-out, ...;
each child's peak RSS is its own.

    python benchmarks/cvd.py                      # 500 vendors, 20 vulnerabilities
    python benchmarks/cvd.py --vendors 121        # VINCE's case size
    python benchmarks/cvd.py --database-url postgres://postgres@127.0.0.1:5432/bench_cvd
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUDGET_MS = 300.0
LEAD_EMAIL = "lead@coordinator.example"
NEWS = 2  # the last vulnerabilities: what each fan-out tells the vendors of
CASE_THREADS = 10
PRIVATE_EVERY = 10  # a private thread with every tenth vendor
STATUSES = [
    ("affected", 25), ("not_affected", 30), ("fixed", 20), ("under_investigation", 15),
    ("unknown", 10),
]  # fmt: skip
JUSTIFICATIONS = [
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "inline_mitigations_already_exist",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vendors", type=int, default=500, help="vendor participants (500)")
    parser.add_argument("--vulns", type=int, default=20, help="vulnerabilities (default 20)")
    parser.add_argument("--statements", type=int, default=10000, help="statements (default 10000)")
    parser.add_argument("--posts", type=int, default=5000, help="posts (default 5000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--requests", type=int, default=7, help="timed requests per round")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    parser.add_argument(
        "--child",
        choices=["setup", "accord", "naive", "fanout", "plain"],
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    with tempfile.TemporaryDirectory(prefix="accord-bench-cvd-") as data_dir:
        _harness(args, data_dir)


# --- the harness


def _harness(args: argparse.Namespace, data_dir: str) -> None:
    load = " ".join(f"{n:.1f}" for n in os.getloadavg())
    database = args.database_url or "SQLite (temp dir)"
    print(f"cores: {os.cpu_count()}  load average: {load}  database: {database}")
    print(
        f"size: {args.vendors} vendors, {args.vulns} vulnerabilities, "
        f"{args.statements:,} statements, {args.posts:,} posts"
    )
    setup = _run(args, data_dir, "setup")
    print(
        f"built {setup['participants']} participants, {setup['statements']:,} statements, "
        f"{setup['posts']:,} posts in {setup['threads']} threads, {setup['events']} timeline "
        f"entries in {setup['build_s']:.1f} s (peak RSS {setup['rss_mib']:.0f} MiB)"
    )
    accord: dict[str, list[float]] = {}
    queries: dict[str, int] = {}
    naive: dict[str, list[float]] = {}
    naive_queries: dict[str, int] = {}
    fanout: dict[str, list[float]] = {"encrypted": [], "plain": []}
    per_vendor: dict[str, tuple[float, float]] = {}
    encrypt_ms: list[float] = []
    rss = {"accord": 0.0, "naive": 0.0, "encrypted": 0.0, "plain": 0.0}
    checks: list[str] = []
    for round_no in range(1, args.rounds + 1):
        result = _run(args, data_dir, "accord")
        for name, times in result["times"].items():
            accord.setdefault(name, []).extend(times)
        queries.update(result["queries"])
        rss["accord"] = max(rss["accord"], result["rss_mib"])
        peer = _run(args, data_dir, "naive")
        for name, times in peer["times"].items():
            naive.setdefault(name, []).extend(times)
        naive_queries.update(peer["queries"])
        rss["naive"] = max(rss["naive"], peer["rss_mib"])
        for kind, child in (("encrypted", "fanout"), ("plain", "plain")):
            sent = _run(args, data_dir, child, backend="immediate")
            fanout[kind].append(sent["seconds"])
            per_vendor[kind] = (sent["queries"] / args.vendors, sent["messages"] / args.vendors)
            rss[kind] = max(rss[kind], sent["rss_mib"])
            checks.append(sent["check"])
            encrypt_ms.extend(sent.get("encrypt_ms", []))
        print(f"round {round_no}: done")
    print()
    header = f"{'page':<44} {'median ms':>10} {'queries':>8} {'naive ms':>10} {'naive q':>8}"
    print(f"{header} {'ratio':>8}  budget")
    for name, times in accord.items():
        ms = statistics.median(times) * 1000
        verdict = "ok" if ms < BUDGET_MS else "OVER"
        peer_name = PEERS.get(name)
        if peer_name is None:
            print(f"{name:<44} {ms:>10.1f} {queries[name]:>8} {'':>10} {'':>8} {'':>8}  {verdict}")
            continue
        peer_ms = statistics.median(naive[peer_name]) * 1000
        print(
            f"{name:<44} {ms:>10.1f} {queries[name]:>8} {peer_ms:>10.1f} "
            f"{naive_queries[peer_name]:>8} {peer_ms / ms:>7.1f}x  {verdict}"
        )
    for name, what in ((NAIVE_ALL, "matrix"), (NAIVE_ALL_CASE, "case page")):
        everyone = statistics.median(naive[name]) * 1000
        print(
            f"naive {what}, all {args.vendors} vendors on one page (as VINCE does): median "
            f"{everyone:.0f} ms, {naive_queries[name]:,} queries"
        )
    print(f"peak RSS: accord child {rss['accord']:.0f} MiB, naive child {rss['naive']:.0f} MiB")
    print()
    enc = statistics.median(fanout["encrypted"])
    plain = statistics.median(fanout["plain"])
    print(
        f"fan-out to {args.vendors} vendors, encrypted: median {enc:.2f} s "
        f"({args.vendors / enc:.0f} vendors/s, {enc / args.vendors * 1000:.1f} ms a vendor)"
    )
    print(
        f"same messages unencrypted (peer): median {plain:.2f} s "
        f"({args.vendors / plain:.0f} vendors/s); encryption costs "
        f"{(enc - plain) / args.vendors * 1000:.2f} ms a message in the pipeline, "
        f"{statistics.median(encrypt_ms):.2f} ms alone (openpgp.encrypt, median)"
    )
    rounds = ", ".join(
        f"{a:.2f}/{b:.2f}" for a, b in zip(fanout["encrypted"], fanout["plain"], strict=True)
    )
    queries_each, messages_each = per_vendor["encrypted"]
    print(
        f"each round, encrypted/unencrypted s: {rounds}; per vendor {queries_each:.0f} SQL "
        f"queries and {messages_each:.0f} outbox messages (the notice, and the email of "
        "its member's inbox entry)"
    )
    print(
        f"peak RSS: encrypted child {rss['encrypted']:.0f} MiB, "
        f"unencrypted child {rss['plain']:.0f} MiB"
    )
    print(f"check: {checks[-2]}; {checks[-1]}")


def _run(
    args: argparse.Namespace, data_dir: str, child: str, *, backend: str = "database"
) -> dict[str, Any]:
    command = [
        sys.executable, __file__, "--child", child, "--data-dir", data_dir,
        "--vendors", str(args.vendors), "--vulns", str(args.vulns),
        "--statements", str(args.statements), "--posts", str(args.posts),
        "--requests", str(args.requests), "--seed", str(args.seed),
    ]  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "ACCORD_DATA_DIR": data_dir,
        "ACCORD_DATABASE_URL": args.database_url,
        "ACCORD_LOG_LEVEL": "ERROR",
        "ACCORD_ALLOWED_HOSTS": "testserver",
        "ACCORD_TASK_BACKEND": backend,
        "ACCORD_EMAIL_URL": "",  # no SMTP: the messages stay in the outbox
        "DJANGO_SETTINGS_MODULE": "accord.settings",
    }
    completed = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
    if completed.returncode:
        raise SystemExit(f"{child} child failed ({completed.returncode})")
    # The child reports its own peak RSS (getrusage RUSAGE_SELF), as wait4 would.
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


# --- the children


def _child(args: argparse.Namespace) -> None:
    import logging

    import django

    django.setup()
    # The task backend logs each task's start and end at INFO: not part of the figure.
    logging.getLogger("django.tasks").setLevel(logging.WARNING)
    started = time.perf_counter()
    if args.child == "setup":
        result = _setup(args)
    elif args.child == "accord":
        result = _measure_accord(args)
    elif args.child == "naive":
        result = _measure_naive(args)
    else:
        result = _measure_fanout(args, encrypted=args.child == "fanout")
    import resource

    result["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["child_s"] = time.perf_counter() - started
    print(json.dumps(result, default=str))


def _setup(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command

    from accord.cvd.models import Case, CaseEvent, Participant, Post, Statement, Thread

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if Case.objects.exists():
        raise SystemExit("The database already holds cases: give the benchmark an empty one.")
    started = time.perf_counter()
    case = _build(args)
    return {
        "build_s": time.perf_counter() - started,
        "participants": Participant.objects.filter(case=case).count(),
        "statements": Statement.objects.filter(vulnerability__case=case).count(),
        "threads": Thread.objects.filter(case=case).count(),
        "posts": Post.objects.filter(thread__case=case).count(),
        "events": CaseEvent.objects.filter(case=case).count(),
    }


def _build(args: argparse.Namespace) -> Any:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accord.accounts.models import Membership, Organisation, User
    from accord.cvd.models import (
        ContactKey,
        Coordinator,
        Participant,
        Post,
        Statement,
        Thread,
    )
    from accord.cvd.services import cases, discussion, vulnerabilities
    from accord.engine.types import CheckResult, Status
    from accord.evidence.models import Domain
    from accord.evidence.services import RetrievedEvidence, record_observation

    rng = random.Random(args.seed)
    now = timezone.now()
    unusable = make_password(None)  # nobody signs in with a password here
    secretariat = User.objects.create(
        email="secretariat@accord.example",
        instance_role=User.InstanceRole.SECRETARIAT,
        password=unusable,
        email_verified_at=now,
    )
    coordinator = Organisation.objects.create(name="Bench CERT", slug="bench-cert")
    Coordinator.objects.create(organisation=coordinator, granted_by=secretariat)
    lead = User.objects.create(email=LEAD_EMAIL, password=unusable, email_verified_at=now)
    Membership.objects.create(user=lead, organisation=coordinator, role="member")
    case = cases.open_case(
        actor=lead,
        title="Memory corruption in a widely shared TLS library",
        summary="A flaw in a library hundreds of vendors ship.",
        tlp="amber",
        organisation=coordinator,
    )
    vendors = Organisation.objects.bulk_create(
        [
            Organisation(name=f"Vendor {n:04d} Systems", slug=f"vendor-{n:04d}")
            for n in range(args.vendors)
        ]
    )
    members = User.objects.bulk_create(
        [
            User(email=f"psirt@vendor-{n:04d}.example", password=unusable, email_verified_at=now)
            for n in range(args.vendors)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=user, organisation=org, role="org_admin")
            for user, org in zip(members, vendors, strict=True)
        ]
    )
    # Contacts: a passing security.txt observation per vendor naming a key, and that
    # key in the cache (one key for all, generated once).
    key = _public_key()
    expires = (now + timedelta(days=180)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for n, org in enumerate(vendors):
        name = f"vendor-{n:04d}.example"
        domain = Domain.objects.create(organisation=org, name=name, control="verified")
        url = f"https://{name}/.well-known/security.txt"
        body = (
            f"Contact: mailto:psirt@{name}\nExpires: {expires}\n"
            f"Encryption: https://{name}/pgp-key.txt\n"
        )
        record_observation(
            domain=domain,
            check_id="security-txt",
            result=CheckResult("security-txt", Status("pass"), url=url),
            retrieved_meta=RetrievedEvidence((url,), 200, body.encode()),
            now=now,
        )
    ContactKey.objects.bulk_create(
        [
            ContactKey(
                uri=f"https://vendor-{n:04d}.example/pgp-key.txt",
                fingerprint=key.fingerprint,
                openpgp_key=key.armoured,
                fetched_at=now,
            )
            for n in range(args.vendors)
        ]
    )
    participants = [
        cases.add_participant(actor=lead, case=case, role="vendor", organisation=org)
        for org in vendors
    ]
    vulns = [
        vulnerabilities.add_vulnerability(
            actor=lead,
            case=case,
            title=f"Flaw {n + 1} in the record parser",
            description="Out-of-bounds write when a record is longer than announced.",
            cwe_ids="787",
            cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            products=[
                {"purl": f"pkg:generic/bench/libtls-{n + 1}", "versions": "vers:generic/<2.0"}
            ],
        )
        for n in range(args.vulns)
    ]
    # The news each fan-out tells of: the last NEWS vulnerabilities' entries.
    Participant.objects.filter(case=case, role="vendor").update(notified_through=_baseline(case))
    member_of = dict(zip((p.pk for p in participants), members, strict=True))
    statements = []
    pairs = [(p, v) for v in vulns for p in participants]
    for participant, vulnerability in pairs[: args.statements]:
        status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
        statements.append(
            Statement(
                participant=participant,
                vulnerability=vulnerability,
                status=status,
                justification=rng.choice(JUSTIFICATIONS) if status == "not_affected" else "",
                fixed_version="2.0.1" if status == "fixed" else "",
                note="Checked by our PSIRT." if rng.random() < 0.3 else "",
                updated_by=member_of[participant.pk],
                updated_at=now,
            )
        )
    Statement.objects.bulk_create(statements, batch_size=2000)
    threads = [
        discussion.start_thread(
            actor=lead, case=case, title=f"Coordination topic {n + 1}", body="Opening post."
        )
        for n in range(CASE_THREADS)
    ]
    private = Thread.objects.bulk_create(
        [
            Thread(
                case=case,
                title=f"With {participant.name}",
                private_with=participant,
                created_by=lead,
            )
            for participant in participants[::PRIVATE_EVERY]
        ]
    )
    already = Post.objects.filter(thread__case=case).count()
    posts = []
    all_threads = threads + private
    lead_participant = Participant.objects.get(case=case, role="coordinator")
    for n in range(max(0, args.posts - already)):
        thread = all_threads[n % len(all_threads)]
        if thread.private_with_id is not None:
            speaker = rng.choice([thread.private_with_id, None])
        else:
            speaker = rng.choice([p.pk for p in participants[:50]] + [None])
        posts.append(
            Post(
                thread=thread,
                author=member_of[speaker] if speaker else lead,
                author_participant_id=speaker or lead_participant.pk,
                body=f"Post {n}: we see the **same** crash on build {n % 97}.",
                created_at=now + timedelta(seconds=n),
            )
        )
    Post.objects.bulk_create(posts, batch_size=2000)
    return case


def _baseline(case: Any) -> int:
    """The timeline entry the vendors were told through: all but the news (the last
    NEWS vulnerabilities' entries and what came after)."""
    from accord.cvd.models import CaseEvent, Vulnerability

    numbers = list(Vulnerability.objects.filter(case=case).values_list("number", flat=True))
    news = sorted(numbers)[-min(NEWS, len(numbers))]
    added = CaseEvent.objects.get(
        case=case, tag="cvd:vulnerability:add", summary__startswith=f"V{news} added"
    )
    return int(added.pk) - 1


def _public_key() -> Any:
    import pysequoia

    from accord.cvd import openpgp

    secret = pysequoia.Tsk.generate("Bench PSIRT <psirt@vendors.example>")
    return openpgp.read_public_key(str(secret.extract_certificate()))


# --- Accord's pages


def _clients() -> dict[str, Any]:
    from django.test import Client

    from accord.accounts.models import User
    from accord.accounts.sessions import TWO_FACTOR_PASSED_KEY

    lead = User.objects.get(email=LEAD_EMAIL)
    vendor = User.objects.get(email="psirt@vendor-0007.example")
    clients = {}
    for label, user in (("lead", lead), ("vendor", vendor)):
        client = Client()
        client.force_login(user)
        session = client.session
        session[TWO_FACTOR_PASSED_KEY] = user.pk
        session.save()
        clients[label] = client
    return clients


def _case() -> Any:
    from accord.cvd.models import Case

    return Case.objects.get()


def _pages(reference: str, vendors: int) -> list[tuple[str, str, str]]:
    """(label, who, URL)."""
    middle = max(1, (vendors // 50 + 1) // 2)
    return [
        ("case page /cvd/<ref>/ (lead)", "lead", f"/cvd/{reference}/"),
        ("matrix /statements/ (lead)", "lead", f"/cvd/{reference}/statements/"),
        (
            f"matrix /statements/?page={middle} (lead)",
            "lead",
            f"/cvd/{reference}/statements/?page={middle}",
        ),
        ("case page /cvd/<ref>/ (vendor member)", "vendor", f"/cvd/{reference}/"),
        ("own view /statements/ (vendor member)", "vendor", f"/cvd/{reference}/statements/"),
    ]


class _Counted:
    """Counts the SQL queries run while it is active (no cap, unlike the query log)."""

    def __init__(self) -> None:
        self.queries = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.queries += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> _Counted:
        from django.db import connection

        self._wrapped = connection.execute_wrapper(self)
        self._wrapped.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._wrapped.__exit__(*exc)


def _measure_accord(args: argparse.Namespace) -> dict[str, Any]:
    clients = _clients()
    reference = _case().reference
    times: dict[str, list[float]] = {}
    queries: dict[str, int] = {}
    for name, who, url in _pages(reference, args.vendors):
        client = clients[who]
        with _Counted() as counted:
            response = client.get(url)  # warm-up, and the query count
        assert response.status_code == 200, (url, response.status_code)
        queries[name] = counted.queries
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(url)
            times.setdefault(name, []).append(time.perf_counter() - started)
            assert response.status_code == 200
    return {"times": times, "queries": queries}


# --- the naive pages: a query per row


NAIVE_MATRIX = "naive matrix (50 vendors)"
NAIVE_CASE = "naive case page"
NAIVE_OWN = "naive own view"
NAIVE_ALL = "naive matrix (all vendors)"
NAIVE_ALL_CASE = "naive case page (all participants)"
PEERS = {
    "case page /cvd/<ref>/ (lead)": NAIVE_CASE,
    "matrix /statements/ (lead)": NAIVE_MATRIX,
    "case page /cvd/<ref>/ (vendor member)": NAIVE_CASE,
    "own view /statements/ (vendor member)": NAIVE_OWN,
}

MATRIX_TEMPLATE = (
    "<table><thead><tr><th>Vendor</th>"
    "{% for v in vulns %}<th>V{{ v.number }}</th>{% endfor %}</tr></thead><tbody>"
    "{% for row in rows %}<tr><th>{{ row.name }} ({{ row.organisation.name }})</th>"
    "{% for s in row.cells %}<td>{% if s %}{{ s.get_status_display }}"
    "{% if s.justification %} ({{ s.get_justification_display }}){% endif %}"
    "{% if s.fixed_version %} in {{ s.fixed_version }}{% endif %}"
    "{% else %}—{% endif %}</td>{% endfor %}</tr>{% endfor %}</tbody></table>"
)
CASE_TEMPLATE = (
    "<h1>{{ case.reference }} {{ case.title }}</h1><p>{{ case.summary }}</p>"
    "<h2>Vulnerabilities</h2><ul>{% for v in vulns %}<li>V{{ v.number }} {{ v.title }} "
    "{{ v.cvss_score }} {{ v.cvss_severity }}<ul>{% for p in v.product_list %}"
    "<li>{{ p.purl }} {{ p.versions }}</li>{% endfor %}</ul></li>{% endfor %}</ul>"
    "<h2>Participants</h2><table>{% for p in participants %}<tr><td>{{ p.name }}</td>"
    "<td>{{ p.get_role_display }}</td><td>{{ p.organisation.name }}</td>"
    "<td>{{ p.get_rm_state_display }}</td><td>{{ p.tracking_id }}</td></tr>{% endfor %}"
    "</table>"
)
OWN_TEMPLATE = (
    "<h2>{{ participant.name }} ({{ participant.organisation.name }})</h2><table>"
    "{% for v, s in rows %}<tr><th>V{{ v.number }} {{ v.title }}</th><td>"
    "{% if s %}{{ s.get_status_display }} {{ s.note }}{% else %}—{% endif %}</td></tr>"
    "{% endfor %}</table>"
)


def naive_matrix(case: Any, *, limit: int | None) -> str:
    """The vendor-status matrix, a query per vendor for its organisation and a query per
    (vendor, vulnerability) for its statement."""
    from django.template import engines

    from accord.accounts.models import Organisation
    from accord.cvd.models import Participant, Statement, Vulnerability

    vulns = list(Vulnerability.objects.filter(case=case).order_by("number"))
    vendors = Participant.objects.filter(case=case, role="vendor").order_by("name", "id")
    rows = []
    for participant in vendors[:limit] if limit else vendors:
        organisation = Organisation.objects.get(pk=participant.organisation_id)
        cells = [
            Statement.objects.filter(participant=participant, vulnerability=v, product__isnull=True)
            .order_by("pk")
            .first()
            for v in vulns
        ]
        rows.append({"name": participant.name, "organisation": organisation, "cells": cells})
    template = engines["django"].from_string(MATRIX_TEMPLATE)
    return template.render({"vulns": vulns, "rows": rows})


def naive_case_page(case: Any, *, limit: int | None = 50) -> str:
    """The case page: its vulnerabilities (a query per vulnerability for its products)
    and the first 50 participants, or all (a query per participant for its
    organisation)."""
    from django.template import engines

    from accord.accounts.models import Organisation
    from accord.cvd.models import AffectedProduct, Participant, Vulnerability

    vulns = list(Vulnerability.objects.filter(case=case).order_by("number"))
    for v in vulns:
        v.product_list = list(AffectedProduct.objects.filter(vulnerability=v).order_by("id"))
    ordered = Participant.objects.filter(case=case).order_by("role", "name", "id")
    participants = list(ordered[:limit] if limit else ordered)
    for p in participants:
        if p.organisation_id:
            p.organisation = Organisation.objects.get(pk=p.organisation_id)
    template = engines["django"].from_string(CASE_TEMPLATE)
    return template.render({"case": case, "vulns": vulns, "participants": participants})


def naive_own_view(case: Any, email: str) -> str:
    """A vendor's own statements: its participant row, its organisation, and a query per
    vulnerability for its statement."""
    from django.template import engines

    from accord.accounts.models import Membership, Organisation
    from accord.cvd.models import Participant, Statement, Vulnerability

    membership = Membership.objects.get(user__email=email)
    participant = Participant.objects.get(
        case=case, role="vendor", organisation_id=membership.organisation_id
    )
    participant.organisation = Organisation.objects.get(pk=participant.organisation_id)
    rows = [
        (
            v,
            Statement.objects.filter(participant=participant, vulnerability=v)
            .order_by("pk")
            .first(),
        )
        for v in Vulnerability.objects.filter(case=case).order_by("number")
    ]
    template = engines["django"].from_string(OWN_TEMPLATE)
    return template.render({"participant": participant, "rows": rows})


def _measure_naive(args: argparse.Namespace) -> dict[str, Any]:
    case = _case()
    renders = {
        NAIVE_CASE: lambda: naive_case_page(case, limit=50),
        NAIVE_MATRIX: lambda: naive_matrix(case, limit=50),
        NAIVE_OWN: lambda: naive_own_view(case, "psirt@vendor-0007.example"),
    }
    times: dict[str, list[float]] = {}
    queries: dict[str, int] = {}
    for name, render in renders.items():
        with _Counted() as counted:
            render()
        queries[name] = counted.queries
        for _ in range(args.requests):
            started = time.perf_counter()
            render()
            times.setdefault(name, []).append(time.perf_counter() - started)
    for name, render in {
        NAIVE_ALL: lambda: naive_matrix(case, limit=None),
        NAIVE_ALL_CASE: lambda: naive_case_page(case, limit=None),
    }.items():
        with _Counted() as counted:
            started = time.perf_counter()
            render()
            times[name] = [time.perf_counter() - started]
        queries[name] = counted.queries
    return {"times": times, "queries": queries}


# --- the fan-out


def _measure_fanout(args: argparse.Namespace, *, encrypted: bool) -> dict[str, Any]:
    from accord.accounts.models import User
    from accord.cvd import openpgp
    from accord.cvd.models import CaseEvent, Delivery, Participant
    from accord.cvd.services import delivery
    from accord.notifications.models import Message, Notification

    case = _case()
    lead = User.objects.get(email=LEAD_EMAIL)
    vendors = Participant.objects.filter(case=case, role="vendor")
    baseline = _baseline(case)
    # Every round tells the same news: back to the baseline, the inbox entries of the
    # last round's notices gone (they are told once per key).
    floor = baseline
    vendors.update(notified_through=floor)
    Notification.objects.filter(kind=delivery.NEWS_KIND).delete()
    encrypt_times: list[float] = []
    if not encrypted:
        openpgp.encrypt = lambda text, key: text  # the peer: the same, unencrypted
    before = Delivery.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    first_message = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with _Counted() as counted:
        started = time.perf_counter()
        told = delivery.notify_vendors(actor=lead, case=case)
        seconds = time.perf_counter() - started
    made = Delivery.objects.filter(pk__gt=before)
    with_key = made.exclude(fingerprint="").count()
    kept = made.filter(message__state="kept").count()
    armoured = made.filter(message__body__startswith="-----BEGIN PGP MESSAGE-----").count()
    what = "encrypted" if encrypted else "unencrypted"
    check = (
        f"{what}: {told} vendors told, {made.count()} deliveries, {kept} kept in the outbox, "
        f"{armoured} armoured"
    )
    expected = args.vendors if encrypted else 0
    if made.count() != args.vendors or kept != args.vendors or armoured != expected:
        raise SystemExit(f"fan-out check failed: {check}")
    if encrypted:
        sample = made.select_related("participant").first()
        assert sample is not None
        assert with_key == args.vendors
        events = list(
            CaseEvent.objects.told_to(sample.participant)
            .filter(pk__gt=floor, pk__lte=sample.through)
            .order_by("pk")
        )
        sample.participant.notified_through = floor
        text = delivery.message_text(case, sample.participant, events)
        key = openpgp.PublicKey(sample.fingerprint, _key_of(sample))
        for _ in range(50):
            at = time.perf_counter()
            openpgp.encrypt(text, key)
            encrypt_times.append((time.perf_counter() - at) * 1000)
    return {
        "seconds": seconds,
        "check": check,
        "encrypt_ms": encrypt_times,
        "queries": counted.queries,
        "messages": Message.objects.filter(pk__gt=first_message).count(),
    }


def _key_of(delivery: Any) -> str:
    from accord.cvd.models import ContactKey

    found = ContactKey.objects.filter(fingerprint=delivery.fingerprint).first()
    assert found is not None
    return str(found.openpgp_key)


if __name__ == "__main__":
    main()
