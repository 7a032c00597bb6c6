// The loaded playbooks, found by id or alias (`/perf diagnose sentinel`).
import { PlaybookNotFoundError } from '../errors.js';
import type { LoadedPlaybook } from './schema.js';

export class PlaybookCatalog {
  private readonly byName = new Map<string, LoadedPlaybook>();

  constructor(readonly playbooks: readonly LoadedPlaybook[]) {
    for (const pb of playbooks) {
      this.byName.set(pb.id, pb);
      for (const alias of pb.aliases) this.byName.set(alias, pb);
    }
  }

  /** Every id and alias, for help text and did-you-mean. */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  find(name: string): LoadedPlaybook | undefined {
    return this.byName.get(name.trim().toLowerCase());
  }

  get(name: string): LoadedPlaybook {
    const pb = this.find(name);
    if (!pb) throw new PlaybookNotFoundError(name, this.names());
    return pb;
  }

  /** Closest known names by edit distance, for "did you mean …?". */
  suggest(name: string, max = 3): string[] {
    const wanted = name.trim().toLowerCase();
    return this.names()
      .map((n) => ({ n, d: editDistance(wanted, n) }))
      .filter(
        ({ n, d }) =>
          d <= Math.max(2, Math.floor(n.length / 3)) || n.startsWith(wanted) || n.includes(wanted),
      )
      .sort((a, b) => a.d - b.d)
      .slice(0, max)
      .map(({ n }) => n);
  }
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}
