// Events per minute at the control plane over the last hour (the fleet's
// per_minute): stored, delivered, dead-lettered. uPlot draws on a canvas it
// owns, so Preact renders only the container and this component hands the
// data over on every change.

import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const HEIGHT = 240;

const SERIES = [
  { label: 'in', stroke: '#2563eb' },
  { label: 'delivered', stroke: '#15803d' },
  { label: 'dead-lettered', stroke: '#b91c1c' },
];

// uPlot wants columns, x in seconds.
function columns(perMinute) {
  return [
    perMinute.map((m) => m.start_unix_ms / 1000),
    perMinute.map((m) => m.in),
    perMinute.map((m) => m.delivered),
    perMinute.map((m) => m.dead_lettered),
  ];
}

function options(width) {
  return {
    width,
    height: HEIGHT,
    scales: { y: { range: (u, min, max) => [0, Math.max(max, 1)] } },
    axes: [{}, { label: 'events / min', size: 60 }],
    series: [{}, ...SERIES.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, points: { show: false } }))],
  };
}

export function ThroughputChart({ perMinute }) {
  const container = useRef(null);
  const plot = useRef(null);

  // Made once; resized with its container.
  useEffect(() => {
    const el = container.current;
    plot.current = new uPlot(options(el.clientWidth || 600), columns(perMinute), el);
    const resize = new ResizeObserver(() => {
      if (plot.current && el.clientWidth) plot.current.setSize({ width: el.clientWidth, height: HEIGHT });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    if (plot.current) plot.current.setData(columns(perMinute));
  }, [perMinute]);

  const last = perMinute[perMinute.length - 1];
  return html`
    <figure class="chart" data-testid="fleet-chart">
      <div ref=${container} class="chart-canvas" role="img" aria-label="Events per minute over the last hour"></div>
      <figcaption>
        ${last
          ? `Latest minute: ${last.in} in, ${last.delivered} delivered, ${last.dead_lettered} dead-lettered.`
          : 'No figures yet: the chart starts afresh when the control plane restarts.'}
      </figcaption>
    </figure>
  `;
}
