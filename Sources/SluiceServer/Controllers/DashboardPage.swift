/// The dashboard page served at `GET /ui`: HTML, CSS and script in one string, compiled into
/// the binary so the page needs nothing but the gateway (no CDN, no asset files).
///
/// It polls `/admin/stats` every two seconds and draws the request rate, the latency and time to
/// first token percentiles as SVG line charts, tokens and spend per tenant and model as a table
/// with bars, and the deployments with their breaker state.
enum DashboardPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sluice dashboard</title>
<style>
  :root { --bg:#f4f6f9; --card:#fff; --ink:#1d2733; --muted:#6b7785; --line:#e3e7ee;
          --blue:#2f6fde; --orange:#e8871e; --red:#d64545; --green:#2e9d5b; --purple:#7a4fd0; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
  header { display: flex; align-items: baseline; gap: 16px; padding: 12px 20px; background: #17202b; color: #fff; }
  header h1 { font-size: 17px; margin: 0; font-weight: 600; letter-spacing: .3px; }
  header .meta { color: #aab4c0; font-size: 12px; }
  header .status { margin-left: auto; font-size: 12px; }
  .dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 6px; background: var(--green); }
  .stale .dot { background: var(--red); }
  main { padding: 14px 20px 20px; display: grid; gap: 14px; }
  .cards { display: grid; grid-template-columns: repeat(6, 1fr); gap: 14px; }
  .card, .panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
  .card { padding: 10px 14px; }
  .card .label { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .5px; }
  .card .value { font-size: 22px; font-weight: 600; margin-top: 2px; font-variant-numeric: tabular-nums; }
  .card .sub { color: var(--muted); font-size: 11px; font-variant-numeric: tabular-nums; }
  .charts { display: grid; grid-template-columns: repeat(3, 1fr); gap: 14px; }
  .panel { padding: 10px 14px 8px; min-width: 0; }
  .panel h2 { font-size: 13px; margin: 0 0 4px; font-weight: 600; }
  .legend { color: var(--muted); font-size: 11px; }
  .legend i { display: inline-block; width: 10px; height: 3px; margin: 0 4px 2px 8px; vertical-align: middle; }
  svg.chart { width: 100%; height: 170px; display: block; }
  svg.chart text { font-size: 10px; fill: var(--muted); }
  svg.chart .grid { stroke: var(--line); stroke-width: 1; }
  svg.chart .series { fill: none; stroke-width: 1.8; stroke-linejoin: round; stroke-linecap: round; }
  .tables { display: grid; grid-template-columns: 3fr 2fr; gap: 14px; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 5px 6px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--muted); font-weight: 500; font-size: 11px; text-transform: uppercase; letter-spacing: .4px; }
  td.num, th.num { text-align: right; }
  td.name { max-width: 220px; overflow: hidden; text-overflow: ellipsis; }
  #deployment-table { table-layout: fixed; }
  .bar { height: 6px; background: var(--purple); border-radius: 3px; min-width: 1px; }
  .state { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 11px; font-weight: 600; color: #fff; }
  .state.closed { background: var(--green); }
  .state.half-open { background: var(--orange); }
  .state.open { background: var(--red); }
  .empty { color: var(--muted); padding: 10px 6px; }
  #problem { display: none; background: #fdecec; color: #8a1f1f; border: 1px solid #f3c2c2; border-radius: 8px; padding: 8px 12px; }
</style>
</head>
<body>
<header>
  <h1>Sluice</h1>
  <span class="meta" id="uptime">connecting…</span>
  <span class="status" id="status"><span class="dot"></span><span id="updated">waiting for data</span></span>
</header>
<main>
  <div id="problem"></div>
  <section class="cards">
    <div class="card"><div class="label">Requests</div><div class="value" id="total-requests">–</div><div class="sub" id="total-errors">&nbsp;</div></div>
    <div class="card"><div class="label">Rate (10 min)</div><div class="value" id="window-rate">–</div><div class="sub" id="window-requests">&nbsp;</div></div>
    <div class="card"><div class="label">Error rate (10 min)</div><div class="value" id="window-error-rate">–</div><div class="sub" id="window-errors">&nbsp;</div></div>
    <div class="card"><div class="label">Latency p50 (10 min)</div><div class="value" id="window-latency">–</div><div class="sub" id="window-latency-tail">&nbsp;</div></div>
    <div class="card"><div class="label">TTFT p50 (10 min)</div><div class="value" id="window-ttft">–</div><div class="sub" id="window-ttft-tail">&nbsp;</div></div>
    <div class="card"><div class="label">Spend</div><div class="value" id="total-spend">–</div><div class="sub" id="total-tokens">&nbsp;</div></div>
  </section>
  <section class="charts">
    <div class="panel"><h2>Requests per second</h2><div class="legend" id="legend-rate"></div><svg class="chart" id="chart-rate"></svg></div>
    <div class="panel"><h2>Latency (ms)</h2><div class="legend" id="legend-latency"></div><svg class="chart" id="chart-latency"></svg></div>
    <div class="panel"><h2>Time to first token (ms)</h2><div class="legend" id="legend-ttft"></div><svg class="chart" id="chart-ttft"></svg></div>
  </section>
  <section class="tables">
    <div class="panel"><h2>Tokens and spend per tenant and model</h2><div id="usage"></div></div>
    <div class="panel"><h2>Deployments</h2><div id="deployments"></div></div>
  </section>
</main>
<script>
"use strict";
// The charts are drawn by hand in SVG: the page is served by the gateway alone, with no CDN or
// asset to load a chart library from, and three line charts need little more than a polyline.

// Resolved against the origin, not the page: the page's own URL may carry user:password, and
// fetch() refuses a URL with credentials. The browser resends the Basic credentials it used for
// the page with these same-origin requests.
const STATS_URL = new URL("/admin/stats", location.origin);
const POLL_MS = 2000;
const SVG = "http://www.w3.org/2000/svg";
const PERCENTILES = [["p50", "var(--blue)"], ["p95", "var(--orange)"], ["p99", "var(--red)"]];

const $ = (id) => document.getElementById(id);
const esc = (text) => String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const int = (n) => Math.round(n).toLocaleString("en-US");
const usd = (n) => "$" + n.toFixed(n >= 1 || n === 0 ? 2 : n >= 0.01 ? 4 : 6);
const ms = (n) => n == null ? "–" : n === 0 ? "0" : n >= 1000 ? (n / 1000).toFixed(2) + " s" : n.toFixed(n >= 100 ? 0 : 1) + " ms";
const pct = (n) => (n * 100).toFixed(n > 0 && n < 0.1 ? 2 : 1) + "%";
const clock = (t) => new Date(t * 1000).toTimeString().slice(0, 8);

function duration(seconds) {
  const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
  return h ? `${h}h ${m}m` : m ? `${m}m ${s}s` : `${s}s`;
}

// The top of an axis with four round steps that reaches `value`.
function niceMax(value) {
  if (!(value > 0)) return 1;
  const quarter = value / 4, magnitude = Math.pow(10, Math.floor(Math.log10(quarter)));
  for (const factor of [1, 2, 2.5, 5, 10]) if (factor * magnitude >= quarter) return 4 * factor * magnitude;
  return 40 * magnitude;
}

function svgElement(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

// Draws lines over time. `lines` is [{name, color, values}]; a null value breaks its line.
function lineChart(svg, times, lines, format) {
  const width = svg.clientWidth || 380, height = svg.clientHeight || 170;
  const left = 46, right = 8, top = 8, bottom = 20;
  const plotWidth = width - left - right, plotHeight = height - top - bottom;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.replaceChildren();
  const all = lines.flatMap((line) => line.values.filter((v) => v != null));
  const yMax = niceMax(Math.max(0, ...all));
  const x = (i) => left + (times.length > 1 ? (i / (times.length - 1)) * plotWidth : plotWidth / 2);
  const y = (v) => top + plotHeight - (v / yMax) * plotHeight;
  for (let k = 0; k <= 4; k++) {
    const value = (yMax * k) / 4, py = y(value);
    svg.append(svgElement("line", { class: "grid", x1: left, x2: width - right, y1: py, y2: py }));
    svg.append(svgElement("text", { x: left - 6, y: py + 3, "text-anchor": "end" }, format(value)));
  }
  // Up to five time labels, none closer than a label's width to the one before.
  const ticks = Math.min(4, times.length - 1);
  let lastLabel = -Infinity;
  for (let k = 0; k <= ticks && times.length; k++) {
    const i = ticks ? Math.round((k * (times.length - 1)) / ticks) : 0;
    if (x(i) - lastLabel < 64) continue;
    lastLabel = x(i);
    const anchor = k === 0 && ticks ? "start" : k === ticks && ticks ? "end" : "middle";
    svg.append(svgElement("text", { x: x(i), y: height - 5, "text-anchor": anchor }, clock(times[i])));
  }
  for (const line of lines) {
    let d = "", points = 0, open = false;
    line.values.forEach((v, i) => {
      if (v == null) { open = false; return; }
      d += `${open ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      open = true;
      points++;
    });
    if (!points) continue;
    // A point between gaps draws no line; a dot shows it.
    line.values.forEach((v, i) => {
      if (v != null && line.values[i - 1] == null && line.values[i + 1] == null) {
        svg.append(svgElement("circle", { cx: x(i), cy: y(v), r: 2.5, fill: line.color }));
      }
    });
    svg.append(svgElement("path", { class: "series", d, stroke: line.color, "data-name": line.name, "data-points": points }));
  }
}

function legend(element, lines) {
  element.innerHTML = lines.map((line) => `<i style="background:${line.color}"></i>${esc(line.name)}`).join("");
}

function drawCharts(traffic) {
  const times = traffic.series.map((p) => p.t);
  const rate = [
    { name: "requests/s", color: "var(--blue)", values: traffic.series.map((p) => p.rate) },
    { name: "errors/s", color: "var(--red)", values: traffic.series.map((p) => p.rate * p.error_rate) },
  ];
  const percentiles = (key) => PERCENTILES.map(([name, color]) => ({
    name, color, values: traffic.series.map((p) => (p[key] ? p[key][name] : null)),
  }));
  const charts = [["rate", rate, (v) => (v >= 10 ? int(v) : v.toFixed(1))], ["latency", percentiles("latency_ms"), ms], ["ttft", percentiles("ttft_ms"), ms]];
  for (const [id, lines, format] of charts) {
    legend($("legend-" + id), lines);
    lineChart($("chart-" + id), times, lines, format);
  }
}

function drawCards(traffic) {
  const total = traffic.totals, win = traffic.window;
  $("total-requests").textContent = int(total.requests);
  $("total-errors").textContent = `${int(total.errors)} errors since start`;
  $("window-rate").textContent = win.rate.toFixed(2) + "/s";
  $("window-requests").textContent = `${int(win.requests)} requests`;
  $("window-error-rate").textContent = pct(win.error_rate);
  $("window-errors").textContent = `${int(win.errors)} errors`;
  const lat = win.latency_ms, ttft = win.ttft_ms;
  $("window-latency").textContent = lat ? ms(lat.p50) : "–";
  $("window-latency-tail").textContent = lat ? `p95 ${ms(lat.p95)} · p99 ${ms(lat.p99)}` : "no requests";
  $("window-ttft").textContent = ttft ? ms(ttft.p50) : "–";
  $("window-ttft-tail").textContent = ttft ? `p95 ${ms(ttft.p95)} · p99 ${ms(ttft.p99)}` : "no streams";
  $("total-spend").textContent = usd(total.cost_usd);
  $("total-tokens").textContent = `${int(total.input_tokens)} in · ${int(total.output_tokens)} out tokens`;
}

function drawUsage(traffic) {
  const rows = traffic.usage.concat(traffic.other_usage ? [traffic.other_usage] : []);
  if (!rows.length) { $("usage").innerHTML = `<div class="empty">No requests yet.</div>`; return; }
  const top = Math.max(...rows.map((r) => r.total.cost_usd), 1e-12);
  const tenant = (r) => (r.model == null ? "other pairs" : r.tenant_id == null ? "static key" : r.tenant_id);
  $("usage").innerHTML = `<table id="usage-table"><thead><tr><th>Tenant</th><th>Model</th><th class="num">Requests</th>
    <th class="num">Tokens in</th><th class="num">Tokens out</th><th class="num">Spend 10 min</th><th class="num">Spend total</th><th style="width:18%"></th></tr></thead><tbody>` +
    rows.map((r) => `<tr data-tenant="${esc(r.tenant_id ?? "")}" data-model="${esc(r.model ?? "")}">
      <td class="name" title="${esc(tenant(r))}">${esc(tenant(r))}</td><td class="name" title="${esc(r.model ?? "")}">${esc(r.model ?? "–")}</td>
      <td class="num">${int(r.total.requests)}</td><td class="num">${int(r.total.input_tokens)}</td><td class="num">${int(r.total.output_tokens)}</td>
      <td class="num">${usd(r.window.cost_usd)}</td><td class="num">${usd(r.total.cost_usd)}</td>
      <td><div class="bar" style="width:${((r.total.cost_usd / top) * 100).toFixed(1)}%"></div></td></tr>`).join("") + "</tbody></table>";
}

function drawDeployments(deployments) {
  if (!deployments.length) { $("deployments").innerHTML = `<div class="empty">No deployments.</div>`; return; }
  $("deployments").innerHTML = `<table id="deployment-table"><thead><tr><th style="width:22%">Model</th><th style="width:31%">Deployment</th>
    <th style="width:17%">Breaker</th><th class="num" style="width:14%">In flight</th><th class="num" style="width:16%">Latency</th></tr></thead><tbody>` +
    deployments.map((d) => `<tr data-deployment="${esc(d.deployment)}" data-state="${esc(d.state)}">
      <td class="name" title="${esc(d.model)}">${esc(d.model)}</td><td class="name" title="${esc(d.deployment)}">${esc(d.deployment)}</td>
      <td><span class="state ${esc(d.state)}">${esc(d.state)}</span></td>
      <td class="num">${int(d.in_flight)}</td><td class="num">${d.latency_ms ? ms(d.latency_ms) : "–"}</td></tr>`).join("") + "</tbody></table>";
}

async function refresh() {
  try {
    const response = await fetch(STATS_URL, { cache: "no-store", credentials: "same-origin" });
    if (response.status === 401) throw new Error("The admin key was refused; reload the page to sign in again.");
    if (!response.ok) throw new Error(`/admin/stats answered ${response.status}`);
    const stats = await response.json();
    const traffic = stats.traffic;
    drawCards(traffic);
    drawCharts(traffic);
    drawUsage(traffic);
    drawDeployments(stats.deployments);
    $("uptime").textContent = `up ${duration(traffic.now - traffic.started_at)} · ${traffic.step_seconds} s steps`;
    $("updated").textContent = "updated " + clock(traffic.now);
    $("status").classList.remove("stale");
    $("problem").style.display = "none";
  } catch (error) {
    $("status").classList.add("stale");
    $("problem").textContent = String(error.message || error);
    $("problem").style.display = "block";
  }
}

refresh();
setInterval(refresh, POLL_MS);
</script>
</body>
</html>
"""#
}
