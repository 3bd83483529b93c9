"""The dashboard's stylesheet, inlined under the response's CSP nonce (no CDN, no files)."""

from __future__ import annotations

STYLE = """
:root{--ink:#1e272e;--muted:#6b7785;--line:#e6e9ee;--card:#fff;--bg:#f4f6f9;--ok:#20bf6b;
--warn:#f7b731;--bad:#eb3b5a;--accent:#3867d6}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",
Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg)}
header{display:flex;align-items:center;justify-content:space-between;padding:14px 28px;
background:#1e272e;color:#fff}header h1{font-size:18px;margin:0;font-weight:600}
header .meta{font-size:12px;color:#c8d0da}header button{margin-left:14px}
main{max-width:1280px;margin:0 auto;padding:22px 28px}
.grid{display:grid;grid-template-columns:repeat(12,1fr);gap:18px}
.card{background:var(--card);border-radius:10px;padding:16px 18px;
box-shadow:0 1px 2px rgba(30,39,46,.08),0 2px 8px rgba(30,39,46,.04)}
.card h2{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);
margin:0 0 10px;font-weight:600}.span-4{grid-column:span 4}.span-5{grid-column:span 5}
.span-6{grid-column:span 6}.span-7{grid-column:span 7}.span-8{grid-column:span 8}
.span-12{grid-column:span 12}
.kpis{display:flex;gap:18px}.kpi{flex:1}.kpi .label{color:var(--muted);font-size:12px}
.kpi .value{font-size:24px;font-weight:600;font-variant-numeric:tabular-nums}
.value.neg{color:var(--bad)}.nowrap{white-space:nowrap}.value.pos{color:var(--ok)}
svg.chart{width:100%;height:auto;display:block}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line)}
th{font-size:12px;color:var(--muted);font-weight:600}td.num,th.num{text-align:right}
tr.total td{font-weight:600;border-top:2px solid var(--line);border-bottom:0}
.pill{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;
font-weight:600;color:#fff}.pill.reconciled{background:var(--ok)}
.pill.lagging{background:var(--warn);color:#1e272e}.pill.mismatch{background:var(--bad)}
.pill.overdue{background:var(--bad);margin-left:6px;padding:0 8px;font-size:11px}
.neg{color:var(--bad)}.nowrap{white-space:nowrap}
.muted{color:var(--muted)}.login{max-width:360px;margin:80px auto}
.login label{display:block;margin:10px 0 4px;font-size:13px;color:var(--muted)}
.login input{width:100%;padding:8px 10px;border:1px solid var(--line);border-radius:6px;
font:inherit}button{background:var(--accent);color:#fff;border:0;border-radius:6px;
padding:8px 14px;font:inherit;cursor:pointer}.login button{margin-top:16px;width:100%}
.error{color:var(--bad);min-height:20px;margin-top:10px}
.notice{margin:0 0 18px;padding:10px 14px;border-radius:8px;background:#fff4d6;
border:1px solid var(--warn)}.notice[hidden]{display:none}
@media (max-width:900px){.span-4,.span-5,.span-6,.span-7,.span-8{grid-column:span 12}}
"""
