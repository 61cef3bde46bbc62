// The dashboard's stylesheet (served at /dashboard/app.css). Colours of roles, health and chart
// series are the custom properties at the top; the script draws charts with the same names.

export const DASHBOARD_CSS = `
:root {
  --bg: #0f141b; --card: #161d27; --line: #263140; --text: #dbe3ec; --muted: #8595a8;
  --accent: #5aa9ff; --ok: #3ecf8e; --warn: #f5b544; --bad: #ff6b6b; --idle: #6b7a8c;
  --series-1: #5aa9ff; --series-2: #f5b544; --series-3: #3ecf8e;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  color-scheme: dark;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
.muted { color: var(--muted); }
.top { display: flex; align-items: center; gap: 24px; padding: 12px 20px; border-bottom: 1px solid var(--line); background: #121922; }
.brand { font-weight: 650; font-size: 18px; white-space: nowrap; }
.brand .muted { font-weight: 400; font-size: 14px; margin-left: 4px; }
.logo { color: var(--accent); font-size: 14px; vertical-align: 2px; }
.facts { display: flex; gap: 22px; margin: 0; flex: 1; flex-wrap: wrap; }
.facts div { display: flex; flex-direction: column; }
.facts dt { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.facts dd { margin: 0; font: 600 15px var(--mono); }
.pill { border-radius: 999px; padding: 3px 12px; font-size: 12px; font-weight: 600; white-space: nowrap; border: 1px solid currentColor; }
.pill-live { color: var(--ok); }
.pill-wait { color: var(--warn); }
.pill-bad { color: var(--bad); }
.banner { display: flex; gap: 10px; align-items: center; padding: 10px 20px; background: #2a2113; border-bottom: 1px solid #5a4520; }
.banner[hidden] { display: none; }
input, button { font: inherit; color: var(--text); background: #0f141b; border: 1px solid var(--line); border-radius: 6px; padding: 5px 10px; }
button { background: #1f2a38; cursor: pointer; }
button:hover { border-color: var(--accent); }
.grid { display: grid; grid-template-columns: repeat(12, minmax(0, 1fr)); gap: 14px; padding: 14px 20px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; min-width: 0; }
.span-4 { grid-column: span 4; } .span-5 { grid-column: span 5; } .span-7 { grid-column: span 7; }
.span-8 { grid-column: span 8; } .span-12 { grid-column: span 12; }
@media (max-width: 1100px) { .grid > .card { grid-column: span 12; } }
h2 { margin: 0 0 10px; font-size: 13px; text-transform: uppercase; letter-spacing: .07em; color: var(--muted); font-weight: 650; }
h2 .note { text-transform: none; letter-spacing: 0; font-weight: 400; margin-left: 6px; }
.note { color: var(--muted); font-size: 12px; }
.alert { padding: 6px 10px; margin-bottom: 8px; border-radius: 6px; background: #26191b; color: #ffb3b3; font-size: 13px; }
.alert.info { background: #1a2230; color: var(--muted); }
.alert[hidden] { display: none; }
table.data { width: 100%; border-collapse: collapse; font-size: 13px; }
table.data th { text-align: left; font-weight: 600; color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .05em; padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
table.data td { padding: 5px 8px; border-bottom: 1px solid #1d2633; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 360px; }
table.data .num { text-align: right; font-family: var(--mono); }
table.data td.mono { font-family: var(--mono); }
table.data tbody tr:last-child td { border-bottom: 0; }
tr.is-leader td { background: rgba(90, 169, 255, .08); }
tr.stale td { opacity: .5; }
tr.flash td { animation: flash 1.2s ease-out; }
@keyframes flash { from { background: rgba(245, 181, 68, .16); } to { background: transparent; } }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.role-leader { background: rgba(90, 169, 255, .18); color: var(--accent); }
.role-follower { background: rgba(133, 149, 168, .15); color: var(--text); }
.role-learner { background: rgba(245, 181, 68, .15); color: var(--warn); }
.health-ok { color: var(--ok); } .health-lagging { color: var(--warn); }
.health-unreachable { color: var(--bad); } .health-unknown { color: var(--idle); }
.health-ok::before, .health-lagging::before, .health-unreachable::before, .health-unknown::before { content: "\\25CF  "; }
.unknown { color: var(--idle); }
.log { list-style: none; margin: 0; padding: 0; font-size: 13px; max-height: 190px; overflow: auto; }
.log li { padding: 4px 0; border-bottom: 1px solid #1d2633; display: flex; gap: 10px; }
.log li:last-child { border-bottom: 0; }
.log .when { font-family: var(--mono); color: var(--muted); }
.log .who { font-weight: 600; }
.log li.flash { animation: flash 2s ease-out; }
.chart { position: relative; height: 170px; }
.chart svg { display: block; }
.chart .axis { fill: var(--muted); font: 10px var(--mono); }
.chart .grid-line { stroke: #243041; stroke-width: 1; }
.chart .empty { fill: var(--muted); font-size: 12px; }
.chart .empty.detail { font-size: 11px; }
.chart .series { fill: none; stroke-width: 1.8; stroke-linejoin: round; }
.chart .series-1 { stroke: var(--series-1); } .chart .series-2 { stroke: var(--series-2); } .chart .series-3 { stroke: var(--series-3); }
.legend { display: flex; gap: 14px; font-size: 12px; color: var(--muted); margin-top: 4px; flex-wrap: wrap; }
.legend b { font: 600 12px var(--mono); color: var(--text); }
.swatch { display: inline-block; width: 10px; height: 3px; border-radius: 2px; vertical-align: 3px; margin-right: 5px; }
.swatch-1 { background: var(--series-1); } .swatch-2 { background: var(--series-2); } .swatch-3 { background: var(--series-3); }
.search { display: flex; gap: 8px; margin-bottom: 10px; }
.search input { flex: 1; max-width: 420px; }
.scroll { max-height: 360px; overflow: auto; }
.scroll thead th { position: sticky; top: 0; background: var(--card); }
.scroll.history { max-height: 250px; }
.split { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; }
#keys tbody tr { cursor: pointer; }
#keys tbody tr:hover td { background: #1b2430; }
#keys tbody tr.selected td { background: rgba(90, 169, 255, .12); }
.detail { border-left: 1px solid var(--line); padding-left: 16px; min-width: 0; }
.detail h3 { margin: 0 0 6px; font: 600 14px var(--mono); word-break: break-all; }
.detail pre { margin: 6px 0 10px; padding: 8px; background: #0f141b; border: 1px solid var(--line); border-radius: 6px; font: 12px var(--mono); white-space: pre-wrap; word-break: break-all; max-height: 140px; overflow: auto; }
.detail .meta { display: flex; gap: 16px; font-size: 12px; color: var(--muted); }
.detail .meta b { color: var(--text); font-family: var(--mono); }
.channel { margin-bottom: 10px; }
.channel h3 { margin: 0 0 4px; font-size: 13px; color: var(--accent); }
.message { font-size: 13px; padding: 2px 0; display: flex; gap: 8px; }
.message .when { font-family: var(--mono); color: var(--muted); font-size: 12px; }
.message .user { font-weight: 600; }
.ok-text { color: var(--ok); } .bad-text { color: var(--bad); }
footer { padding: 4px 20px 16px; font-size: 12px; }
`;
