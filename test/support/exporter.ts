// A tiny Prometheus exporter for tests: node:http serving settable metrics in the text
// exposition format (0.0.4), so a real Prometheus can scrape known values.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Labels = Record<string, string>;
export type MetricType = 'gauge' | 'counter' | 'histogram' | 'untyped';

export interface HistogramValue {
  /** Cumulative counts per upper bound; +Inf is added from `count` when absent. */
  buckets: [le: number, cumulativeCount: number][];
  sum: number;
  count: number;
}

interface Family {
  type: MetricType;
  help: string;
  samples: Map<string, { labels: Labels; value: number | HistogramValue }>;
}

export interface TestExporter {
  /** host:port, for a Prometheus scrape config. */
  target: string;
  url: string;
  set(name: string, labels: Labels, value: number, type?: 'gauge' | 'counter' | 'untyped'): void;
  setHistogram(name: string, labels: Labels, value: HistogramValue): void;
  remove(name: string, labels?: Labels): void;
  /** The exposition text served at /metrics. */
  render(): string;
  close(): Promise<void>;
}

/** Label values escape backslash, double quote and newline (exposition format rules). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function formatLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

const labelKey = (labels: Labels) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

export async function startExporter(): Promise<TestExporter> {
  const families = new Map<string, Family>();

  const family = (name: string, type: MetricType): Family => {
    let f = families.get(name);
    if (!f) {
      f = { type, help: `test metric ${name}`, samples: new Map() };
      families.set(name, f);
    }
    if (f.type !== type) throw new Error(`${name} is a ${f.type}, not a ${type}`);
    return f;
  };

  const render = (): string => {
    const lines: string[] = [];
    for (const [name, f] of families) {
      lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      for (const { labels, value } of f.samples.values()) {
        if (typeof value === 'number') {
          lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
          continue;
        }
        const buckets = [...value.buckets];
        if (!buckets.some(([le]) => le === Number.POSITIVE_INFINITY)) {
          buckets.push([Number.POSITIVE_INFINITY, value.count]);
        }
        for (const [le, n] of buckets) {
          lines.push(`${name}_bucket${formatLabels({ ...labels, le: formatValue(le) })} ${n}`);
        }
        lines.push(`${name}_sum${formatLabels(labels)} ${formatValue(value.sum)}`);
        lines.push(`${name}_count${formatLabels(labels)} ${value.count}`);
      }
    }
    return `${lines.join('\n')}\n`;
  };

  const server: Server = createServer((req, res) => {
    if (req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(render());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    target: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/metrics`,
    set(name, labels, value, type = 'gauge') {
      family(name, type).samples.set(labelKey(labels), { labels, value });
    },
    setHistogram(name, labels, value) {
      family(name, 'histogram').samples.set(labelKey(labels), { labels, value });
    },
    remove(name, labels) {
      if (labels === undefined) families.delete(name);
      else families.get(name)?.samples.delete(labelKey(labels));
    },
    render,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
