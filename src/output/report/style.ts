/**
 * The report's one stylesheet: light and dark schemes (prefers-color-scheme), a print layout that opens every
 * collapsed section, and the level colours shared by badges, the chart and its legend. The page's CSP admits this
 * exact text by its hash, so no other style can apply.
 */
import { html } from './html.js';

export const STYLE = html`
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --card: #f6f8fa; --link: #0550ae; --on-lv: #ffffff;
  --critical: #7d1135; --high: #cf222e; --medium: #b35900; --low: #0969da; --informational: #6e7781; --none: #c8d1da;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --card: #151b23; --link: #4493f8; --on-lv: #0d1117;
    --critical: #ff6b9a; --high: #ff7b72; --medium: #e3a03a; --low: #58a6ff; --informational: #9198a1; --none: #3d444d;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 8px; }
a { color: var(--link); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
.muted { color: var(--muted); }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0 0; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }
nav { margin: 14px 0 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin: 12px 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .n { font-size: 22px; font-weight: 650; display: block; }
.card .l { color: var(--muted); font-size: 12.5px; }
.cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 0 24px; align-items: start; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: 12px; font-weight: 600; color: var(--muted); border-bottom-width: 2px; }
tbody th { font-weight: normal; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.wrap { overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
.lv { display: inline-block; min-width: 7.5em; text-align: center; padding: 0 6px; border-radius: 4px; font-size: 12px; font-weight: 600; color: var(--on-lv); background: var(--muted); }
.lv-critical, .s-critical { background: var(--critical); fill: var(--critical); }
.lv-high, .s-high { background: var(--high); fill: var(--high); }
.lv-medium, .s-medium { background: var(--medium); fill: var(--medium); }
.lv-low, .s-low { background: var(--low); fill: var(--low); }
.lv-informational, .s-informational { background: var(--informational); fill: var(--informational); }
.s-none { background: var(--none); fill: var(--none); }
.chart { margin: 8px 0 18px; }
.chart figcaption { font-weight: 600; margin-bottom: 4px; }
svg.bars { width: 100%; height: auto; display: block; }
svg.bars text { fill: var(--muted); font-size: 11px; text-anchor: middle; }
svg.bars text.yl { text-anchor: end; }
svg.bars line { stroke: var(--line); stroke-width: 1; }
.legend { list-style: none; padding: 0; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 13px; }
.sw { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
details > summary { cursor: pointer; }
.chart-data summary { color: var(--muted); font-size: 12.5px; }
.chart-data table { max-width: 760px; }
.finding { border: 1px solid var(--line); border-radius: 8px; margin: 8px 0; background: var(--bg); }
.finding > summary { padding: 8px 10px; list-style-position: outside; display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: baseline; }
.fold { margin: 8px 0; }
.fold > summary { padding: 8px 10px; border: 1px dashed var(--line); border-radius: 8px; background: var(--card); }
.fold > summary .t { font-weight: 600; }
.fold > .items { padding-left: 18px; }
.finding > summary::before { content: "▸"; color: var(--muted); width: 0.8em; }
.finding[open] > summary::before { content: "▾"; }
.finding > summary .t { font-weight: 600; }
.finding[open] > summary { border-bottom: 1px solid var(--line); background: var(--card); border-radius: 8px 8px 0 0; }
.finding .body { padding: 6px 12px 10px; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 4px 0 8px; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; overflow-wrap: anywhere; }
.tags { display: inline-flex; flex-wrap: wrap; gap: 4px; }
.tag { border: 1px solid var(--line); border-radius: 10px; padding: 0 7px; font-size: 12px; white-space: nowrap; }
.ev caption { text-align: left; }
td p { margin: 4px 0; }
.ev td.raw { white-space: pre-wrap; overflow-wrap: anywhere; }
.ev td { font-size: 12.5px; }
.ev tr.gap td { text-align: center; font-style: italic; }
.note { color: var(--muted); font-size: 12.5px; margin: 4px 0; }
footer { color: var(--muted); font-size: 12.5px; padding: 24px 20px 32px; }
@media print {
  :root {
    color-scheme: light;
    --bg: #ffffff; --fg: #000000; --muted: #444c56; --line: #c0c8d0; --card: #f3f5f7; --link: #000000; --on-lv: #ffffff;
    --critical: #7d1135; --high: #cf222e; --medium: #b35900; --low: #0969da; --informational: #6e7781; --none: #c8d1da;
  }
  body { font-size: 11px; }
  header, main, footer { max-width: none; padding: 0; }
  nav { display: none; }
  a { text-decoration: none; }
  .lv, .sw, svg.bars, .card { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  details::details-content { content-visibility: visible; display: block; }
  details > summary { list-style: none; }
  .finding > summary::before, .chart-data { display: none; }
  .chart, .finding, tr { break-inside: avoid; }
  h2 { break-after: avoid; }
}
`;
