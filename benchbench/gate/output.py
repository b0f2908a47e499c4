"""The gate's verdict as a Markdown table (for a pull-request comment) and JUnit XML
(one testcase per cell × metric, which CI systems display).

Every name and message here can come from a pull request (model names, params, error
messages, a baseline file): Markdown gets them through the shared ``escape``, XML with
the characters XML 1.0 cannot hold replaced, so both files are always well formed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from benchbench.gate.compare import FAILING, Comparison, GateResult, Status
from benchbench.markdown_escape import escape

ICONS = {
    Status.PASS: "✅ pass",
    Status.IMPROVED: "🟢 improved",
    Status.REGRESSED: "❌ regressed",
    Status.FAILED: "❌ failed",
    Status.MISSING: "❌ missing",
    Status.ERROR: "⛔ error",
    Status.NOT_COMPARABLE: "⚪ not comparable",
    Status.NO_BASELINE: "❌ no baseline",
}
# Characters XML 1.0 does not allow (control characters, surrogates, U+FFFE/U+FFFF).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def _delta(c: Comparison) -> str:
    if c.delta is None:
        return "–"
    relative = f" ({c.delta / c.baseline:+.1%})" if c.baseline else ""
    return f"{c.delta:+.4g}{relative}"


def markdown(result: GateResult) -> str:
    verdict = {0: "passed", 1: "**failed**", 2: "**error**"}[result.exit_code]
    lines = [
        f"### benchbench gate — suite {escape(result.suite)}: {verdict}",
        "",
        _provenance(result)
        + ", ".join(f"{result.count(s)} {s.value}" for s in Status if result.count(s)),
        "",
        "| cell | metric | baseline | current | Δ | allowed | p | status | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    order = {s: i for i, s in enumerate(ICONS)}
    for c in sorted(result.comparisons, key=lambda c: (-order[c.status], c.cell, c.metric)):
        lines.append(
            f"| {escape(c.cell)} | {escape(c.metric)} | {_num(c.baseline)} | "
            f"{_num(c.current)} | {_delta(c)} | {_num(c.bound)} | {_num(c.p_value)} | "
            f"{ICONS[c.status]} | {escape(c.note)} |"
        )
    return "\n".join(lines) + "\n"


def _provenance(result: GateResult) -> str:
    """Which run was compared with which baseline, where each was measured."""
    if result.current is None or result.baseline is None:
        return ""
    current, baseline = result.current, result.baseline
    partial = f"The baseline is partial: {escape(baseline.partial)}. " if baseline.partial else ""
    return (
        f"Run {escape(current.run_id)} on {escape(str(current.device_name))} against baseline "
        f"{escape(baseline.run_id)} on {escape(str(baseline.device_name))}. {partial}"
    )


def junit_xml(result: GateResult) -> bytes:
    suite = ET.Element(
        "testsuite",
        name=_xml(f"benchbench.{result.suite}"),
        tests=str(len(result.comparisons)),
        failures=str(sum(c.status in FAILING for c in result.comparisons)),
        errors=str(result.count(Status.ERROR)),
        skipped=str(result.count(Status.NOT_COMPARABLE)),
    )
    for c in result.comparisons:
        case = ET.SubElement(suite, "testcase", classname=_xml(c.cell), name=_xml(c.metric))
        message = _xml(
            f"{c.status.value}: baseline {_num(c.baseline)}, current {_num(c.current)}, "
            f"delta {_delta(c)}, allowed {_num(c.bound)}, p {_num(c.p_value)}. {c.note}"
        ).strip()
        if c.status in FAILING:
            ET.SubElement(case, "failure", message=message, type=c.status.value).text = message
        elif c.status is Status.ERROR:
            ET.SubElement(case, "error", message=message, type="error").text = message
        elif c.status is Status.NOT_COMPARABLE:
            ET.SubElement(case, "skipped", message=message)
        else:
            ET.SubElement(case, "system-out").text = message
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _xml(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def write_reports(result: GateResult, markdown_path: Path | None, junit_path: Path | None) -> str:
    """Write the Markdown and the JUnit XML where asked; return the Markdown."""
    table = markdown(result)
    if markdown_path is not None:
        markdown_path.write_text(table, encoding="utf-8")
    if junit_path is not None:
        junit_path.write_bytes(junit_xml(result))
    return table
