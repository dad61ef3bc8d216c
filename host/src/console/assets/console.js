// The console's one script (served from /console/static/, no inline script):
// the inbox's live updates. Each `delivery` event of the member's stream
// (the same stream as GET /api/v1/inbox/stream, through the session) becomes a
// new row at the top of the inbox table. Text is set with textContent only.
"use strict";

(function () {
  const MASK = "\u2588";

  // "2026-12-02T05:00:00Z" in JST with the fiscal year (April to March), as
  // the server renders dates.
  function jst(iso, lang) {
    const at = new Date(iso);
    if (isNaN(at)) return iso;
    const local = new Date(at.getTime() + 9 * 3600 * 1000);
    const y = local.getUTCFullYear(), mo = local.getUTCMonth() + 1, d = local.getUTCDate();
    const h = String(local.getUTCHours()).padStart(2, "0");
    const mi = String(local.getUTCMinutes()).padStart(2, "0");
    const fy = mo >= 4 ? y : y - 1;
    if (lang === "ja") return `${y}年${mo}月${d}日 ${h}:${mi} JST（${fy}年度）`;
    return `${y}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")} ${h}:${mi} JST (FY${fy})`;
  }

  // Text with every run of mask characters in a <mark class="masked">.
  function masked(text, lang) {
    const out = document.createDocumentFragment();
    const parts = String(text).split(new RegExp(`(${MASK}+)`));
    for (const part of parts) {
      if (!part) continue;
      if (part[0] === MASK) {
        const mark = document.createElement("mark");
        mark.className = "masked";
        mark.title = lang === "ja" ? "マスク済" : "masked";
        mark.textContent = part;
        out.appendChild(mark);
      } else {
        out.appendChild(document.createTextNode(part));
      }
    }
    return out;
  }

  function cell(row, child) {
    const td = document.createElement("td");
    td.appendChild(child);
    row.appendChild(td);
    return td;
  }

  function addRow(table, item, lang) {
    const body = table.tBodies[0];
    if (body.querySelector(`tr[data-delivery="${item.delivery_id}"]`)) return;
    const row = document.createElement("tr");
    row.dataset.delivery = item.delivery_id;
    row.className = "arrived";
    cell(row, document.createTextNode(jst(item.delivered_at, lang)));
    const link = document.createElement("a");
    link.href = `/console/inbox/${item.delivery_id}`;
    link.appendChild(masked(item.title, lang));
    cell(row, link);
    const tlp = document.createElement("span");
    tlp.className = "tlp";
    tlp.textContent = `TLP:${String(item.tlp).toUpperCase()}`;
    cell(row, tlp);
    const kase = document.createElement("code");
    kase.textContent = item.case_id;
    cell(row, kase);
    body.insertBefore(row, body.firstChild);
    const empty = document.getElementById("inbox-empty");
    if (empty) empty.remove();
    const status = document.getElementById("live-status");
    if (status) status.textContent = lang === "ja" ? "新しい配信が届きました" : "A new delivery arrived";
  }

  function live() {
    const table = document.getElementById("inbox");
    if (!table || !table.dataset.stream || !window.EventSource) return;
    const lang = table.dataset.lang;
    const source = new EventSource(table.dataset.stream);
    source.addEventListener("delivery", (event) => {
      try {
        addRow(table, JSON.parse(event.data), lang);
      } catch (e) {
        // A malformed event is skipped; the page still lists what it had.
      }
    });
    table.dataset.live = "connecting";
    source.addEventListener("open", () => { table.dataset.live = "open"; });
    // Leaving the page closes the stream instead of letting it error out.
    window.addEventListener("pagehide", () => source.close());
  }

  document.addEventListener("DOMContentLoaded", live);
})();
