"""SSVC decisions, computed with CERT/CC's own decision tables (`certcc-ssvc`).

The library holds each table as a `DecisionTable`: its decision points and the full
mapping from every combination of their values to the outcome. It has no lookup call, so
`decide` validates the inputs against the table's decision points and finds the one row
that matches. The library is imported on first use: it loads pandas and scikit-learn,
which take a second or two, and most processes never triage.

Inputs are keyed by decision point key (`RP`, `SCON`, ...) and value key (`Y`, `N`, ...),
as the tables name them; the recorded decision keys them by the points' versioned ids.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from accord import errors

COORDINATOR_TRIAGE = "coordinator_triage"
SUPPLIER = "supplier"
DEPLOYER = "deployer"
_MODULES = {
    COORDINATOR_TRIAGE: "coord_triage",
    SUPPLIER: "supplier_dt",
    DEPLOYER: "deployer_dt",
}


@dataclass(frozen=True)
class Point:
    """One decision point of a table: its key, id, name and the values it takes."""

    key: str
    id: str
    name: str
    values: tuple[tuple[str, str], ...]  # (key, name)


@dataclass(frozen=True)
class Table:
    """A decision table as Accord uses it."""

    kind: str
    id: str
    version: str
    name: str
    points: tuple[Point, ...]
    outcome_id: str
    outcomes: tuple[tuple[str, str], ...]
    mapping: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class Outcome:
    """What `decide` found: the outcome's key and name, and the table it came from."""

    key: str
    name: str
    table_id: str
    table_version: str
    library_version: str
    inputs: dict[str, str]  # decision point id -> value key


@functools.cache
def table(kind: str) -> Table:
    """The latest table of `kind` (coordinator_triage, supplier, deployer)."""
    import importlib

    module: Any = importlib.import_module(f"ssvc.decision_tables.ssvc.{_MODULES[kind]}")
    dt = module.LATEST
    points = tuple(
        Point(dp.key, point_id, dp.name, tuple((v.key, v.name) for v in dp.values))
        for point_id, dp in dt.decision_points.items()
        if point_id != dt.outcome
    )
    outcome = dt.decision_points[dt.outcome]
    return Table(
        kind=kind,
        id=dt.id,
        version=dt.version,
        name=dt.name,
        points=points,
        outcome_id=dt.outcome,
        outcomes=tuple((v.key, v.name) for v in outcome.values),
        mapping=tuple(dict(row) for row in dt.mapping),
    )


def decide(kind: str, chosen: dict[str, str]) -> Outcome:
    """The outcome of table `kind` for `chosen` (decision point key -> value key).

    Raises `errors.Invalid` naming the decision point that is missing or has a value the
    table does not know.
    """
    if kind not in _MODULES:
        raise errors.Invalid(f"No SSVC decision table {kind!r}.", field="table")
    dt = table(kind)
    inputs: dict[str, str] = {}
    for point in dt.points:
        value = chosen.get(point.key)
        options = [key for key, _ in point.values]
        if value not in options:
            named = ", ".join(f"{key} ({name})" for key, name in point.values)
            raise errors.Invalid(f"{point.name}: choose one of {named}.", field=point.key)
        inputs[point.id] = value
    row = next(r for r in dt.mapping if all(r[i] == v for i, v in inputs.items()))
    key = row[dt.outcome_id]
    return Outcome(
        key=key,
        name=dict(dt.outcomes)[key],
        table_id=dt.id,
        table_version=dt.version,
        library_version=version("certcc-ssvc"),
        inputs=inputs,
    )
