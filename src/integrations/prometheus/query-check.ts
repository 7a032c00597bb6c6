// prometheus.query: an instant query reduced to one value; the worst series are the evidence.
import type { CheckDefinition, Measurement } from '../../diagnostics/types.js';
import { InvalidInputError } from '../../errors.js';
import { formatNumber, formatSeriesName, labelRow } from './format.js';
import type { PrometheusPort, PromSample } from './port.js';
import { substituteNamespace } from './promql.js';
import { reduceValues, worstFirst } from './reduce.js';

export const TOP_ROWS = 10;

export const prometheusQueryCheck: CheckDefinition<'prometheus.query', PrometheusPort> = {
  kind: 'prometheus.query',
  backend: 'prometheus',
  async run(ctx, port) {
    const promql = substituteNamespace(ctx.params.query, ctx.namespace);
    const result = await port.query(promql, { signal: ctx.signal });
    if (result.type === 'matrix') {
      throw new InvalidInputError(
        'query',
        'the query returns a range vector: use prometheus.range, or wrap the selector in a function such as rate()',
      );
    }
    if (result.type === 'string')
      throw new InvalidInputError('query', 'the query returns a string, not a number');
    const samples = result.type === 'scalar' ? [result.sample] : result.samples;
    return measureSamples(samples, ctx.params.reduce);
  },
};

export function measureSamples(
  samples: PromSample[],
  reduce: 'first' | 'max' | 'min' | 'sum' | 'avg',
): Measurement {
  const usable = samples.filter((s) => !Number.isNaN(s.v));
  const value = reduceValues(
    usable.map((s) => s.v),
    reduce,
  );
  if (value === undefined) {
    return {
      summary: samples.length === 0 ? 'no data' : `no data: all ${samples.length} series are NaN`,
      evidence: { counts: { series: samples.length } },
    };
  }
  const ranked = [...usable].sort((a, b) => worstFirst(reduce)(a.v, b.v));
  const rows = ranked.slice(0, TOP_ROWS).map((s) => labelRow(s.labels, s.v));
  return {
    value,
    summary: describe(value, reduce, usable, ranked[0]),
    evidence: { rows, counts: { series: samples.length } },
  };
}

function describe(value: number, reduce: string, usable: PromSample[], top: PromSample | undefined): string {
  if (usable.length === 1) {
    const only = usable[0] as PromSample;
    const name = formatSeriesName(only.labels);
    return name === '{}' ? formatNumber(value) : `${formatNumber(value)} (${name})`;
  }
  const which =
    reduce === 'max' || reduce === 'min' ? `, at ${formatSeriesName((top as PromSample).labels)}` : '';
  return `${reduce} over ${usable.length} series: ${formatNumber(value)}${which}`;
}
