"""Formats users migrate from: Sloth ``version: prometheus/v1`` here, OpenSLO ``openslo/v1`` in
:mod:`onshift.slo.spec_openslo`.

Sloth: ``sli.events`` maps to the prometheus binding (``{{.window}}`` becomes ``{{window}}``);
``sli.raw`` and ``sli.plugin`` carry no event counts and are refused with a message.
"""

from __future__ import annotations

import re
from datetime import timedelta
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from onshift.slo.catalogue import catalogue_for_period
from onshift.slo.model import (
    SLO,
    AlertPolicy,
    Indicator,
    PrometheusBinding,
    Severity,
    SourceRef,
)
from onshift.slo.promql import no_comment
from onshift.slo.spec_onshift import Labels, source_ref, written_refs
from onshift.slo.spec_openslo import parse_openslo
from onshift.specfile import Document, PathElem, StrictBool, StrictNumber, parse_model

__all__ = ["parse_openslo", "parse_sloth"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- Sloth prometheus/v1 ---------------------------------------------------------------------


_GO_WINDOW = re.compile(r"\{\{-?\s*\.window\s*-?\}\}")


def _go_window(query: str) -> str:
    # Go templates allow {{ .window }} and {{- .window -}} as well as {{.window}}.
    query = _GO_WINDOW.sub("{{window}}", query)
    if "{{window}}" not in query:
        msg = "the query must contain {{.window}}, e.g. sum(rate(http_requests_total[{{.window}}]))"
        raise ValueError(msg)
    return query


# Checked while validating, so that they are reported with every other problem of the file.
_SlothQuery = Annotated[
    str, Field(min_length=1), AfterValidator(no_comment), AfterValidator(_go_window)
]


class _SlothEvents(_Strict):
    error_query: _SlothQuery
    total_query: _SlothQuery


class _SlothSLI(_Strict):
    events: _SlothEvents | None = None
    raw: dict[str, Any] | None = None
    plugin: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _counts_events(self) -> _SlothSLI:
        if self.events is None:
            kind = "raw" if self.raw is not None else "plugin" if self.plugin else "none"
            msg = (
                f"the {kind!r} SLI gives no event counts; onshift needs "
                "sli.events {error_query, total_query}"
            )
            raise ValueError(msg)
        return self


class _SlothAlert(_Strict):
    disable: StrictBool = False
    labels: Labels = {}
    annotations: Labels = {}


class _SlothAlerting(_Strict):
    name: str | None = Field(default=None, min_length=1)  # required while an alert is enabled
    labels: Labels = {}
    annotations: Labels = {}
    page_alert: _SlothAlert = _SlothAlert()
    ticket_alert: _SlothAlert = _SlothAlert()

    @model_validator(mode="after")
    def _named_while_enabled(self) -> _SlothAlerting:
        if self.name is None and not (self.page_alert.disable and self.ticket_alert.disable):
            msg = "alerting.name is required while the page or ticket alert is enabled"
            raise ValueError(msg)
        return self


class _SlothSLO(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    objective: StrictNumber = Field(gt=0, lt=100)
    labels: Labels = {}
    sli: _SlothSLI
    alerting: _SlothAlerting
    plugins: dict[str, Any] | None = None


class _SlothDoc(_Strict):
    version: Literal["prometheus/v1"]
    service: str = Field(min_length=1)
    labels: Labels = {}
    slos: list[_SlothSLO] = Field(min_length=1)
    slo_plugins: dict[str, Any] | None = None


def parse_sloth(doc: Document, *, period: timedelta = timedelta(days=30)) -> list[SLO]:
    model = parse_model(_SlothDoc, doc)
    cat = catalogue_for_period(period)
    out: list[SLO] = []
    for i, slo in enumerate(model.slos):
        path: list[PathElem] = ["slos", i, "sli"]
        assert slo.sli.events is not None  # refused while validating otherwise
        queries = {key: getattr(slo.sli.events, key) for key in ("error_query", "total_query")}
        page, ticket = slo.alerting.page_alert, slo.alerting.ticket_alert
        out.append(
            SLO(
                name=slo.name,
                service=model.service,
                labels={**model.labels, **slo.labels},
                description=slo.description,
                objective=Fraction(str(slo.objective)) / 100,
                period=period,
                indicator=Indicator(
                    prometheus=PrometheusBinding(
                        errors=queries["error_query"],
                        total=queries["total_query"],
                        written=tuple(
                            (query, source_ref(doc, [*path, "events", key]))
                            for key, query in queries.items()
                        ),
                    )
                ),
                alerting=AlertPolicy(
                    name=slo.alerting.name or slo.name,  # no alert rule carries it then
                    windows=cat.windows,
                    catalogue=cat.name,
                    page_enabled=not page.disable,
                    ticket_enabled=not ticket.disable,
                    labels=dict(slo.alerting.labels),
                    annotations=dict(slo.alerting.annotations),
                    tier_labels={Severity.PAGE: page.labels, Severity.TICKET: ticket.labels},
                    tier_annotations={
                        Severity.PAGE: page.annotations,
                        Severity.TICKET: ticket.annotations,
                    },
                    written=_written(doc, i, slo.alerting),
                ),
                source=doc.file,
            )
        )
    return out


def _written(doc: Document, index: int, alerting: _SlothAlerting) -> dict[str, SourceRef]:
    base: list[PathElem] = ["slos", index, "alerting"]
    written = written_refs(
        doc,
        {
            "label": ([*base, "labels"], alerting.labels),
            "annotation": ([*base, "annotations"], alerting.annotations),
        },
    )
    for severity, tier, key in (
        (Severity.PAGE, alerting.page_alert, "page_alert"),
        (Severity.TICKET, alerting.ticket_alert, "ticket_alert"),
    ):
        own = written_refs(
            doc,
            {
                "label": ([*base, key, "labels"], tier.labels),
                "annotation": ([*base, key, "annotations"], tier.annotations),
            },
        )
        written.update({f"{severity}:{k}": ref for k, ref in own.items()})
    return written
