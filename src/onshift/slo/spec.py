"""Read SLO files: native ``onshift/v1``, Sloth ``prometheus/v1`` and OpenSLO ``openslo/v1``,
auto-detected per YAML document. Every problem in every document is reported together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from onshift.errors import Problem, SpecError
from onshift.slo.model import SLO
from onshift.slo.spec_imports import parse_sloth
from onshift.slo.spec_onshift import parse_onshift_slo
from onshift.slo.spec_openslo import openslo_slis, parse_openslo
from onshift.specfile import Document, load_documents

__all__ = ["load_slos", "parse_document"]


def parse_document(
    doc: Document, slis: Mapping[str, Sequence[Document]] | None = None
) -> list[SLO]:
    """The SLOs of one document; ``slis`` are the OpenSLO SLI documents of its file by name."""
    data = doc.data
    if not isinstance(data, dict):
        raise SpecError([doc.problem([], "expected a mapping with apiVersion and kind")])
    api = data.get("apiVersion")
    if data.get("version") == "prometheus/v1":
        return parse_sloth(doc)
    if api == "onshift/v1" and data.get("kind") == "SLO":
        return [parse_onshift_slo(doc)]
    if api == "openslo/v1" and data.get("kind") == "SLO":
        return parse_openslo(doc, slis)
    if api == "openslo/v1":
        return []  # Service, DataSource … documents beside an SLO carry nothing we evaluate
    got = f"apiVersion {api!r}, kind {data.get('kind')!r}" if api else "no apiVersion"
    raise SpecError(
        [
            doc.problem(
                ["apiVersion"] if api else [],
                f"not an SLO document ({got}); expected apiVersion: onshift/v1 with kind: SLO, "
                "a Sloth file (version: prometheus/v1) or an OpenSLO openslo/v1 SLO",
            )
        ]
    )


def load_slos(paths: Sequence[Path | str]) -> list[SLO]:
    """All SLOs in ``paths``; raises one :class:`SpecError` listing every problem found."""
    slos: list[SLO] = []
    seen: dict[tuple[str, str], str] = {}
    ids: dict[str, SLO] = {}

    def handle(doc: Document, slis: Mapping[str, Sequence[Document]]) -> None:
        problems = []
        for slo in parse_document(doc, slis):
            key = (slo.service, slo.name)
            other = ids.get(slo.sloth_id) if slo.indicator.prometheus else None
            if key in seen:
                problems.append(
                    doc.problem(
                        [], f"SLO {slo.service}/{slo.name} is defined twice (first in {seen[key]})"
                    )
                )
            elif other is not None:
                # Their rules would share group names, which Prometheus refuses.
                problems.append(
                    doc.problem(
                        [],
                        f"SLO {slo.service}/{slo.name} and SLO {other.service}/{other.name} (in "
                        f"{other.source}) both have the sloth_id {slo.sloth_id!r} (service-name) "
                        "that names their series and rule groups; rename one",
                    )
                )
            seen[key] = doc.file
            if slo.indicator.prometheus:
                ids.setdefault(slo.sloth_id, slo)
            slos.append(slo)
        if problems:
            raise SpecError(problems)

    problems: list[Problem] = []
    for path in paths:  # reading goes on past a bad file or document
        try:
            docs = load_documents(path)
        except SpecError as exc:
            problems.extend(exc.problems)
            continue
        slis = openslo_slis(docs)
        for doc in docs:
            try:
                handle(doc, slis)
            except SpecError as exc:  # in the order of the file, shape and meaning together
                problems.extend(sorted(exc.problems, key=lambda p: p.line or 0))
    if problems:
        # An SLI referred to by several SLOs would report its own problems once per SLO.
        raise SpecError(list(dict.fromkeys(problems)))
    if not slos:
        raise SpecError([Problem(file=", ".join(map(str, paths)), message="no SLO found")])
    return slos
