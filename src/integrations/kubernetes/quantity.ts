// Kubernetes resource quantities ("250m", "1Gi", "123456Ki", "5n", "1e3") as plain numbers:
// CPU in cores, memory in bytes. Metrics come back in whatever suffix the server likes, so every
// comparison goes through here.

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/;

/** Returns undefined for anything that is not a quantity. */
export function parseQuantity(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = QUANTITY.exec(text.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2] !== undefined) return base * 10 ** Number(m[2].slice(1));
  return base * (SUFFIX[m[3] ?? ''] ?? 1);
}

/** Cores as Kubernetes writes them: whole cores plainly, the rest in millicores. */
export function formatCpu(cores: number): string {
  if (Number.isInteger(cores)) return String(cores);
  // metrics-server reports idle containers in nanocores; "0m" would hide them.
  if (cores < 0.001) return `${Math.round(cores * 1e9)}n`;
  return `${Math.round(cores * 1000)}m`;
}

/** Bytes in the largest binary unit that keeps at least 1, one decimal at most. */
export function formatBytes(bytes: number): string {
  const units = ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const;
  for (const unit of units) {
    const size = SUFFIX[unit] ?? 1;
    if (bytes >= size) return `${trim(bytes / size)}${unit}`;
  }
  return String(Math.round(bytes));
}

export function formatQuantity(resource: 'cpu' | 'memory', value: number): string {
  return resource === 'cpu' ? formatCpu(value) : formatBytes(value);
}

function trim(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1).replace(/\.0$/, '');
}
