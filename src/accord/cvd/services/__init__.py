"""The CVD app's writes, one use case per function, grouped by what they change:
`reports` (submission, follow-up links, triage), `cases` (cases, participants,
vulnerabilities, products), `embargo`, `statements`, `discussion`, `delivery` (messages
to the vendors' verified contacts). Each checks its permission, records the audit event
and the case's timeline entry (`_common.record`), and raises the app's exceptions."""
