"""The gate's verdict as a Markdown table (for a pull-request comment) and JUnit XML
(one testcase per cell × metric, which CI systems display)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from benchbench.gate import Comparison, GateResult, Status

ICONS = {
    Status.PASS: "✅ pass",
    Status.IMPROVED: "🟢 improved",
    Status.REGRESSED: "❌ regressed",
    Status.FAILED: "❌ failed",
    Status.MISSING: "❌ missing",
    Status.ERROR: "⛔ error",
    Status.NOT_COMPARABLE: "⚪ not comparable",
    Status.NEW: "🆕 new",
}


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def _delta(c: Comparison) -> str:
    if c.delta is None:
        return "–"
    relative = f" ({c.delta / c.baseline:+.1%})" if c.baseline else ""
    return f"{c.delta:+.4g}{relative}"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(result: GateResult) -> str:
    verdict = {0: "passed", 1: "**failed: regression**", 2: "**error**"}[result.exit_code]
    lines = [
        f"### benchbench gate — suite `{result.current.suite}`: {verdict}",
        "",
        f"Run `{result.current.run_id}` on {result.current.device_name} against baseline "
        f"`{result.baseline.run_id}` on {result.baseline.device_name}. "
        + ", ".join(f"{result.count(s)} {s.value}" for s in Status if result.count(s)),
        "",
        "| cell | metric | baseline | current | Δ | allowed | p | status | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    order = {s: i for i, s in enumerate(ICONS)}
    for c in sorted(result.comparisons, key=lambda c: (-order[c.status], c.cell, c.metric)):
        lines.append(
            f"| {_escape(c.cell)} | {c.metric} | {_num(c.baseline)} | {_num(c.current)} | "
            f"{_delta(c)} | {_num(c.bound)} | {_num(c.p_value)} | {ICONS[c.status]} | "
            f"{_escape(c.note)} |"
        )
    return "\n".join(lines) + "\n"


def junit_xml(result: GateResult) -> bytes:
    suite = ET.Element(
        "testsuite",
        name=f"benchbench.{result.current.suite}",
        tests=str(len(result.comparisons)),
        failures=str(
            sum(
                c.status in (Status.REGRESSED, Status.FAILED, Status.MISSING)
                for c in result.comparisons
            )
        ),
        errors=str(result.count(Status.ERROR)),
        skipped=str(result.count(Status.NOT_COMPARABLE) + result.count(Status.NEW)),
    )
    for c in result.comparisons:
        case = ET.SubElement(suite, "testcase", classname=c.cell, name=c.metric)
        message = (
            f"{c.status.value}: baseline {_num(c.baseline)}, current {_num(c.current)}, "
            f"delta {_delta(c)}, allowed {_num(c.bound)}, p {_num(c.p_value)}. {c.note}"
        ).strip()
        if c.status in (Status.REGRESSED, Status.FAILED, Status.MISSING):
            ET.SubElement(case, "failure", message=message, type=c.status.value).text = message
        elif c.status is Status.ERROR:
            ET.SubElement(case, "error", message=message, type="signature").text = message
        elif c.status in (Status.NOT_COMPARABLE, Status.NEW):
            ET.SubElement(case, "skipped", message=message)
        else:
            ET.SubElement(case, "system-out").text = message
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
