// azure.logs: a KQL query over a Log Analytics workspace; the named column of the first row is
// the value, the first rows are the evidence. The query text comes from the playbook (reviewed
// YAML) and is sent as the request body; nothing from an alert is spliced into it.
import type { CheckDefinition, Measurement } from '../../diagnostics/types.js';
import { formatDuration, parseDuration } from '../../duration.js';
import { InvalidInputError } from '../../errors.js';
import type { AzureLogsPort, LogsTable } from './port.js';

const WORKSPACE_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const MAX_ROWS = 20;

type Cell = string | number | boolean | null;

export const logsCheck: CheckDefinition<'azure.logs', AzureLogsPort> = {
  kind: 'azure.logs',
  backend: 'azureLogs',
  async run(ctx, port): Promise<Measurement> {
    const { query, valueColumn, timespan } = ctx.params;
    const workspaceId = ctx.params.workspaceId ?? port.defaultWorkspaceId;
    if (workspaceId === undefined) {
      throw new InvalidInputError(
        'workspaceId',
        'workspaceId: set it on the check or set AZURE_LOGS_WORKSPACE_ID',
      );
    }
    if (!WORKSPACE_ID.test(workspaceId)) {
      throw new InvalidInputError(
        'workspaceId',
        'workspaceId: expected a Log Analytics workspace ID (a GUID)',
      );
    }
    const spanMs = parseDuration(timespan);
    if (spanMs === undefined || spanMs <= 0)
      throw new InvalidInputError('timespan', 'timespan: expected a duration');
    const endTime = ctx.now();
    const startTime = new Date(endTime.getTime() - spanMs);

    const answer = await port.queryWorkspace(
      { workspaceId, query, startTime, endTime },
      { signal: ctx.signal },
    );
    // A partial answer is still an answer (the rows are real), but the person must know it is partial.
    const partial =
      answer.status === 'PartialFailure'
        ? `partial results (${answer.error?.code ?? 'error'}: ${answer.error?.message ?? 'unknown'}); `
        : '';
    const table = answer.tables[0];
    if (!table || table.rows.length === 0) {
      return { summary: `${partial}query returned no rows over ${formatDuration(spanMs)}` };
    }
    const column = table.columns.findIndex((c) => c.name === valueColumn);
    if (column < 0) {
      throw new InvalidInputError(
        'valueColumn',
        `valueColumn: the result has no column "${valueColumn}" (columns: ${table.columns.map((c) => c.name).join(', ')})`,
      );
    }
    const rows = toRows(table);
    const value = toNumber(table.rows[0]?.[column]);
    const more = table.rows.length > MAX_ROWS ? ` (first ${MAX_ROWS} shown)` : '';
    const evidence = { rows: rows.slice(0, MAX_ROWS), counts: { rows: table.rows.length } };
    if (value === undefined) {
      return {
        summary: `${partial}${valueColumn} of the first row is not a number: ${String(rows[0]?.[valueColumn])}`,
        evidence,
      };
    }
    return {
      value,
      summary: `${partial}${valueColumn} = ${value} over ${formatDuration(spanMs)}; ${table.rows.length} row${table.rows.length === 1 ? '' : 's'}${more}`,
      evidence,
    };
  },
};

function toRows(table: LogsTable): Record<string, Cell>[] {
  return table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c.name, toCell(row[i])])));
}

function toCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/** KQL long/real arrive as JSON numbers, decimal as a string. */
function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
