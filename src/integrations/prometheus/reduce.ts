// Reducing many samples to the one value a threshold is held against.

export type Reducer = 'first' | 'last' | 'max' | 'min' | 'sum' | 'avg';

/** NaN samples carry no information and are skipped; undefined when nothing is left. */
export function reduceValues(values: readonly number[], how: Reducer): number | undefined {
  const vs = values.filter((v) => !Number.isNaN(v));
  if (vs.length === 0) return undefined;
  switch (how) {
    case 'first':
      return vs[0];
    case 'last':
      return vs[vs.length - 1];
    case 'max':
      return Math.max(...vs);
    case 'min':
      return Math.min(...vs);
    case 'sum':
      return vs.reduce((a, b) => a + b, 0);
    case 'avg':
      return vs.reduce((a, b) => a + b, 0) / vs.length;
  }
}

/** Order for "top offenders": lowest first when looking for the minimum, highest first otherwise. */
export function worstFirst(how: Reducer): (a: number, b: number) => number {
  return how === 'min' ? (a, b) => a - b : (a, b) => b - a;
}
