// Sortable tables for the benchbench report. It only reorders existing rows and
// toggles attributes: it never builds markup from data (no innerHTML), so nothing a
// model name contains can become code.
"use strict";

(function () {
  function sortKey(row, index) {
    const cell = row.cells[index];
    if (!cell) return null;
    const raw = cell.getAttribute("data-sort");
    if (raw === null) return cell.textContent.trim().toLowerCase();
    if (raw === "") return null;
    const number = Number(raw);
    return Number.isNaN(number) ? raw.toLowerCase() : number;
  }

  function compare(a, b) {
    if (a === b) return 0;
    if (a === null) return 1; // missing values last, whatever the direction
    if (b === null) return -1;
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b), undefined, { numeric: true });
  }

  function sortTable(table, header, index) {
    const body = table.tBodies[0];
    const current = header.getAttribute("aria-sort");
    // First click: best first (data-best says which way is better); then alternate.
    let ascending = header.getAttribute("data-best") !== "high";
    if (current === "ascending") ascending = false;
    if (current === "descending") ascending = true;
    const rows = Array.from(body.rows).filter((r) => !r.classList.contains("failed"));
    const failed = Array.from(body.rows).filter((r) => r.classList.contains("failed"));
    const keyed = rows.map((row, position) => ({ row, position, key: sortKey(row, index) }));
    keyed.sort((x, y) => {
      const nulls = (x.key === null) - (y.key === null);
      if (nulls !== 0) return nulls;
      const order = compare(x.key, y.key) * (ascending ? 1 : -1);
      return order !== 0 ? order : x.position - y.position;
    });
    keyed.forEach((k) => body.appendChild(k.row));
    failed.forEach((row) => body.appendChild(row));
    for (const th of table.tHead.rows[0].cells) th.removeAttribute("aria-sort");
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function init() {
    document.querySelectorAll("table.sortable").forEach((table) => {
      Array.from(table.tHead.rows[0].cells).forEach((header, index) => {
        const button = header.querySelector("button");
        if (button) button.addEventListener("click", () => sortTable(table, header, index));
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
