// Two small SVG charts for the dashboard, drawn by hand: a column series over days and
// horizontal top-N bars. No chart library on purpose: the dashboard is embedded in the gateway
// binary and must work offline without a bundler, and these two charts take ~100 lines, less
// than any library's licence and build notes.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';

function svgEl(name, attrs, text) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

function emptyChart(host, message) {
  host.replaceChildren();
  const p = document.createElement('p');
  p.className = 'empty';
  p.textContent = message;
  host.appendChild(p);
}

// `points`: [{label, value, title}], drawn as columns with a y axis (0 … max).
function seriesChart(host, points, format) {
  if (!points.length) return emptyChart(host, 'No requests in this range.');
  // Drawn at the host's width, so that text keeps its size on any screen.
  const W = Math.max(300, host.clientWidth || 640), H = 220, left = 64, bottom = 28, top = 10, right = 8;
  const max = Math.max(...points.map((p) => p.value), 0) || 1;
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'series' });
  const plotW = W - left - right, plotH = H - top - bottom;
  for (let i = 0; i <= 4; i++) {
    const y = top + plotH - (plotH * i) / 4;
    svg.appendChild(svgEl('line', { x1: left, x2: W - right, y1: y, y2: y, stroke: '#e3e6eb' }));
    svg.appendChild(svgEl('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#5b6474' },
      format((max * i) / 4)));
  }
  const step = plotW / points.length;
  const barW = Math.max(2, Math.min(40, step * 0.7));
  const every = Math.ceil(points.length / 8);
  points.forEach((p, i) => {
    const h = (plotH * p.value) / max;
    const x = left + step * i + (step - barW) / 2;
    const bar = svgEl('rect', { x, y: top + plotH - h, width: barW, height: Math.max(h, 0.5), fill: '#2454d6', class: 'bar' });
    bar.appendChild(svgEl('title', {}, `${p.label}: ${p.title || format(p.value)}`));
    svg.appendChild(bar);
    if (i % every === 0) {
      svg.appendChild(svgEl('text', { x: left + step * i + step / 2, y: H - 8, 'text-anchor': 'middle', 'font-size': 11, fill: '#5b6474' }, p.label.slice(5)));
    }
  });
  host.replaceChildren(svg);
}

// `items`: [{label, value, title}], the largest `n` as horizontal bars.
function barsChart(host, items, format, n) {
  const top = items.filter((i) => i.value > 0).sort((a, b) => b.value - a.value).slice(0, n || 8);
  if (!top.length) return emptyChart(host, 'Nothing to show.');
  const W = Math.max(280, host.clientWidth || 420), row = 26, labelW = Math.min(170, W * 0.4), H = row * top.length + 4;
  const max = top[0].value || 1;
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'bars' });
  top.forEach((item, i) => {
    const y = i * row + 2;
    const w = ((W - labelW - 70) * item.value) / max;
    const room = Math.floor(labelW / 7.5);
    const label = item.label.length > room ? item.label.slice(0, room - 1) + '…' : item.label;
    svg.appendChild(svgEl('text', { x: 0, y: y + 16, 'font-size': 12, fill: '#1d2330' }, label));
    const bar = svgEl('rect', { x: labelW, y: y + 3, width: Math.max(w, 1), height: row - 8, rx: 3, fill: '#5b8def', class: 'bar' });
    bar.appendChild(svgEl('title', {}, `${item.label}: ${item.title || format(item.value)}`));
    svg.appendChild(bar);
    svg.appendChild(svgEl('text', { x: labelW + w + 6, y: y + 16, 'font-size': 12, fill: '#5b6474' }, format(item.value)));
  });
  host.replaceChildren(svg);
}

window.aigwCharts = { seriesChart, barsChart };
