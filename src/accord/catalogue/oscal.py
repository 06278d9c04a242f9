"""The catalogue as an OSCAL catalog, built with compliance-trestle's OSCAL models.

Built from the open-data form (`exports.open_data`), so both exports say the same thing.

Layout:

- One group per area (class `area`, id `area.<area-id>`) holding that area's practices
  as controls. OSCAL lets a control appear only once, so practices are placed by area.
- One group per framework (class `framework`, id `framework.<framework-id>`), holding one
  group per norm (class `norm`, id `norm.<framework-id>.<norm-id>`) whose parts carry the
  norm's summary and what a private organisation can do about it. Norm groups hold no
  controls.
- A practice's mappings are links from its control to the norm groups
  (`href="#norm.<framework-id>.<norm-id>"`, `rel="maps-to"`), with the interpretation as
  the link text: a practice serves several norms, and a link keeps the practice in one
  place while each norm can still find its practices.
- Each control has the parts `statement`, `guidance` (the rationale) and
  `assessment-objective` (the evidence expected), and props `label` (the practice id as
  written), `level`, `verification` and, for automated practices, `check-id`.
- References and framework sources are back-matter resources, linked by
  `href="#<resource uuid>"` with `rel="reference"`.

Practice ids are already OSCAL tokens (the validator insists on a letter first, then
letters, digits, `.`, `-`, `_`), so control ids are the practice ids unchanged. Every
UUID is a uuid5 of a fixed namespace and what it names, and last-modified is the release
date, so the same catalogue always exports the same bytes.

Objects are made with `model_validate` and OSCAL's own field names (`class`,
`back-matter`, `last-modified`), so the code reads like the JSON it produces.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from trestle.oscal import OSCAL_VERSION
from trestle.oscal.catalog import Catalog, Control, Group1, Group2
from trestle.oscal.common import (
    BackMatter,
    Link,
    Metadata,
    Part,
    Property,
    Resource,
)

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:accord:catalogue")
ACCORD_NS = "urn:accord:catalogue"
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._-]")


def build_catalog(data: dict[str, Any], *, digest: str, title: str) -> Catalog:
    """The OSCAL catalog of the open-data form `data` (see the module docstring)."""
    resources = _Resources()
    groups: list[Group1 | Group2] = [
        _area_group(area, data["practices"], resources) for area in data["areas"]
    ]
    groups += [_framework_group(framework, resources) for framework in data["frameworks"]]
    return Catalog.model_validate(
        {
            "uuid": str(_uuid("catalog", data["version"], digest)),
            "metadata": _metadata(data, title),
            "groups": groups or None,
            "back-matter": BackMatter.model_validate({"resources": resources.all() or None}),
        }
    )


def _uuid(*names: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "\x1f".join(names))


def _token(text: str) -> str:
    token = _NOT_TOKEN.sub("-", text)
    return token if token[:1].isalpha() or token[:1] == "_" else f"_{token}"


def control_id(practice_id: str) -> str:
    """The OSCAL control id of a practice, as this catalog names it (used by other
    OSCAL documents, such as assessment results, to point at the control)."""
    return _token(practice_id)


def _line(text: str) -> str:
    """OSCAL titles and link texts are single lines."""
    return " ".join(text.split()) or "-"


def _prop(name: str, value: Any, *, ns: str | None = ACCORD_NS) -> Property:
    return Property.model_validate({"name": name, "value": _line(str(value)), "ns": ns})


def _link(href: str, rel: str, text: str) -> Link:
    return Link.model_validate({"href": href, "rel": rel, "text": _line(text)})


def _metadata(data: dict[str, Any], title: str) -> Metadata:
    released = date.fromisoformat(data["released_on"]) if data["released_on"] else date(1970, 1, 1)
    return Metadata.model_validate(
        {
            "title": title,
            "last-modified": datetime.combine(released, time(), tzinfo=UTC),
            "version": data["version"],
            "oscal-version": OSCAL_VERSION,
        }
    )


class _Resources:
    """Back-matter resources, one per distinct reference, in first-use order."""

    def __init__(self) -> None:
        self._by_uuid: dict[str, Resource] = {}

    def link(self, title: str, url: str | None) -> Link:
        key = str(_uuid("resource", title, url or ""))
        if key not in self._by_uuid:
            self._by_uuid[key] = Resource.model_validate(
                {
                    "uuid": key,
                    "title": _line(title),
                    "citation": {"text": _line(title)},
                    "rlinks": [{"href": url}] if url else None,
                }
            )
        return _link(f"#{key}", "reference", title)

    def all(self) -> list[Resource]:
        return list(self._by_uuid.values())


def _group(model: type[Group1] | type[Group2], fields: dict[str, Any]) -> Any:
    return model.model_validate({name: value for name, value in fields.items() if value})


def _part(owner: str, name: str, prose: str) -> Part | None:
    if not prose.strip():
        return None
    return Part.model_validate(
        {"id": _token(f"{owner}_{name}"), "name": name, "prose": prose.strip()}
    )


def _parts(*parts: Part | None) -> list[Part] | None:
    return [p for p in parts if p is not None] or None


def _area_group(area: dict[str, Any], practices: list[dict[str, Any]], res: _Resources) -> Group2:
    group_id = _token(f"area.{area['id']}")
    fields = {
        "id": group_id,
        "class": "area",
        "title": _line(area["title"]),
        "parts": _parts(_part(group_id, "overview", area["description"])),
        "controls": [_control(p, res) for p in practices if p["area"] == area["id"]],
    }
    return _group(Group2, fields)


def _control(practice: dict[str, Any], res: _Resources) -> Control:
    practice_control = control_id(practice["id"])
    links = [_mapping_link(m) for m in practice["mappings"]]
    links += [res.link(_reference_title(r), r["url"]) for r in practice["references"]]
    fields = {
        "id": practice_control,
        "class": "practice",
        "title": _line(practice["title"]),
        "props": _control_props(practice),
        "links": links,
        "parts": _parts(
            _part(practice_control, "statement", practice["statement"]),
            _part(practice_control, "guidance", practice["rationale"]),
            _part(practice_control, "assessment-objective", practice["evidence"]),
        ),
    }
    return Control.model_validate({name: value for name, value in fields.items() if value})


def _control_props(practice: dict[str, Any]) -> list[Property]:
    method, _, check_id = practice["verification"].partition(":")
    props = [
        _prop("label", practice["id"], ns=None),
        _prop("level", practice["level"]),
        _prop("verification", method),
    ]
    if check_id:
        props.append(_prop("check-id", check_id))
    return props


def _mapping_link(mapping: dict[str, Any]) -> Link:
    target = _token(f"norm.{mapping['framework']}.{mapping['norm']}")
    return _link(f"#{target}", "maps-to", mapping["interpretation"])


def _reference_title(reference: dict[str, Any]) -> str:
    section = reference.get("section")
    return f"{reference['standard']}, section {section}" if section else reference["standard"]


def _framework_group(framework: dict[str, Any], res: _Resources) -> Group1 | Group2:
    group_id = _token(f"framework.{framework['id']}")
    norms = [_norm_group(framework["id"], norm) for norm in framework["norms"]]
    fields = {
        "id": group_id,
        "class": "framework",
        "title": _line(framework["title"]),
        "props": [
            _prop("label", framework["short_title"], ns=None),
            _prop("publisher", framework["publisher"]),
            _prop("year", framework["year"]),
        ],
        "links": [res.link(framework["source"]["title"], framework["source"]["url"])],
        "parts": _parts(_part(group_id, "overview", framework["description"])),
        "groups": norms,
    }
    # trestle splits OSCAL's group in two: Group1 holds groups, Group2 holds controls.
    return _group(Group1 if norms else Group2, fields)


def _norm_group(framework_id: str, norm: dict[str, Any]) -> Group2:
    group_id = _token(f"norm.{framework_id}.{norm['id']}")
    fields = {
        "id": group_id,
        "class": "norm",
        "title": _line(norm["title"]),
        "props": [
            _prop("label", norm["reference"], ns=None),
            _prop("private-sector-actionable", str(norm["private_sector_actionable"]).lower()),
        ],
        "parts": _parts(
            _part(group_id, "overview", norm["summary"]),
            _part(group_id, "guidance", norm["actionability"]),
        ),
    }
    return _group(Group2, fields)
