"""A small catalogue written to a folder, for tests that must not depend on the bundled one.

`MINI` maps each file's path inside the catalogue to its text; tests replace one file with
a broken copy and assert the problem's file and line, so keep line numbers in mind when
editing these texts.
"""

from __future__ import annotations

from pathlib import Path

CATALOGUE_YAML = """\
version: "1.0.0"
released_on: 2026-01-15
changelog:
  - version: "1.0.0"
    date: 2026-01-15
    changes:
      - First version of the mini catalogue.
"""

GGE_YAML = """\
id: gge
title: Report of the UN Group of Governmental Experts (2015)
short_title: UN GGE 2015
publisher: United Nations
year: 2015
position: 1
source:
  title: A/70/174
  url: https://undocs.org/A/70/174
description: Eleven voluntary norms of responsible state behaviour.
norms:
  - id: 13j
    reference: para. 13(j)
    title: Report ICT vulnerabilities
    summary: Encourage responsible reporting of vulnerabilities and share remedies.
    private_sector_actionable: true
    actionability: Vendors receive reports and publish fixes.
  - id: 13i
    reference: para. 13(i)
    title: Integrity of the supply chain
    summary: Ensure the integrity of the supply chain.
    private_sector_actionable: true
"""

TECH_ACCORD_YAML = """\
id: tech-accord
title: Cybersecurity Tech Accord
short_title: Tech Accord
publisher: Cybersecurity Tech Accord signatories
year: 2018
position: 2
source:
  title: The Tech Accord
  url: https://cybertechaccord.org/accord/
description: Commitments by technology companies.
norms:
  - id: 1
    reference: Principle 1
    title: Stronger defence
    summary: Protect all users and customers everywhere.
    private_sector_actionable: true
  - id: "2"
    reference: Principle 2
    title: No offense
    summary: Do not help governments launch cyberattacks.
    private_sector_actionable: false
"""

AREAS_YAML = """\
areas:
  - id: cvd
    title: Vulnerability disclosure
    description: Receiving and handling vulnerability reports.
  - id: supply-chain
    title: Supply chain
    description: Security passed along the supply chain.
"""

CVD_YAML = """\
area: cvd
practices:
  - id: cvd.security-txt
    title: Publish a security.txt file
    statement: Publish /.well-known/security.txt with a contact, an expiry and a policy link.
    rationale: Finders need to know where to send a report.
    verification: automated:security-txt
    evidence: The file at /.well-known/security.txt of each registered domain.
    level: baseline
    references:
      - standard: RFC 9116
        url: https://www.rfc-editor.org/rfc/rfc9116
    mappings:
      - norm: gge:13j
        interpretation: A published contact is the first step of responsible reporting.
      - norm: tech-accord:1
        interpretation: Protecting users starts with hearing about flaws.
  - id: cvd.policy
    title: Publish a vulnerability disclosure policy
    statement: Publish a policy with scope, channel, response times and safe harbour.
    rationale: A policy tells finders what to expect and that they are safe.
    verification: document
    evidence: The policy document, ISO/IEC 29147 aligned.
    level: baseline
    references:
      - standard: ISO/IEC 29147
        section: "5.2"
    mappings:
      - norm: gge:13j
        interpretation: A policy makes reporting predictable.
"""

SUPPLY_CHAIN_YAML = """\
area: supply-chain
practices:
  - id: sc.sbom
    title: Provide an SBOM to customers
    statement: Provide a software bill of materials for each product release.
    rationale: Buyers cannot manage vulnerabilities in components they cannot see.
    verification: attestation
    evidence: A signed statement and a sample CycloneDX or SPDX document.
    level: advanced
    mappings:
      - norm: gge:13i
        interpretation: Transparency about components protects the supply chain.
"""

PROFILES_YAML = """\
profiles:
  - id: starter
    title: Starter
    description: The first steps for any organisation.
    practices:
      - cvd.security-txt
      - cvd.policy
  - id: supplier
    title: Supplier
    description: For organisations that sell software.
    practices:
      - cvd.security-txt
      - sc.sbom
"""

MINI: dict[str, str] = {
    "catalogue.yaml": CATALOGUE_YAML,
    "frameworks/gge.yaml": GGE_YAML,
    "frameworks/tech-accord.yaml": TECH_ACCORD_YAML,
    "areas.yaml": AREAS_YAML,
    "practices/cvd.yaml": CVD_YAML,
    "practices/supply-chain.yaml": SUPPLY_CHAIN_YAML,
    "profiles.yaml": PROFILES_YAML,
}


def write_catalogue(root: Path, changes: dict[str, str | None] | None = None) -> Path:
    """Write the mini catalogue under `root`, with files replaced (text) or left out (None)."""
    files: dict[str, str | None] = {**MINI, **(changes or {})}
    for relative, text in files.items():
        if text is None:
            continue
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
