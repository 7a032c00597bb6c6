import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ErrorCode } from '../../src/errors.js';
import {
  azureMetricNamespace,
  azureTimeGrain,
  normalizeAzureError,
} from '../../src/integrations/azure/index.js';
import { createBackends } from '../../src/integrations/backends.js';
import { silentLogger } from '../../src/log.js';

const SUB = '00000000-0000-0000-0000-000000000001';

describe('azureMetricNamespace', () => {
  it('is the resource type, nested types included', () => {
    expect(
      azureMetricNamespace(
        `/subscriptions/${SUB}/resourceGroups/sec/providers/Microsoft.OperationalInsights/workspaces/ws`,
      ),
    ).toBe('Microsoft.OperationalInsights/workspaces');
    expect(
      azureMetricNamespace(
        `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default`,
      ),
    ).toBe('Microsoft.Storage/storageAccounts/blobServices');
  });

  it('refuses IDs that are not a resource path', () => {
    for (const bad of [
      `/subscriptions/${SUB}/resourceGroups/rg`,
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/a?b=c`,
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/../x`,
      '/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Web/sites/app',
    ]) {
      expect(() => azureMetricNamespace(bad)).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidInput }),
      );
    }
  });
});

describe('azureTimeGrain', () => {
  it('picks the finest grain that keeps a chart under 360 points', () => {
    expect(azureTimeGrain(3_600_000)).toBe('PT1M');
    expect(azureTimeGrain(6 * 3_600_000)).toBe('PT1M');
    expect(azureTimeGrain(24 * 3_600_000)).toBe('PT5M');
    expect(azureTimeGrain(7 * 86_400_000)).toBe('PT30M');
    expect(azureTimeGrain(3650 * 86_400_000)).toBe('P1D');
  });
});

describe('normalizeAzureError', () => {
  const live = new AbortController().signal;
  const rest = (statusCode?: number, name = 'RestError') =>
    Object.assign(new Error('boom'), { name, statusCode });

  it('retries 429, 5xx and requests that got no answer; not 4xx or missing credentials', () => {
    expect(normalizeAzureError(rest(429), live, 'azure-logs')).toMatchObject({
      code: ErrorCode.UpstreamRetryable,
    });
    expect(normalizeAzureError(rest(503), live, 'azure-logs')).toMatchObject({ retryable: true });
    expect(normalizeAzureError(rest(undefined), live, 'azure-logs')).toMatchObject({ retryable: true });
    expect(normalizeAzureError(rest(400), live, 'azure-logs')).toMatchObject({ code: ErrorCode.Upstream });
    expect(normalizeAzureError(rest(undefined, 'CredentialUnavailableError'), live, 'x')).toMatchObject({
      retryable: false,
    });
  });

  it('answers an aborted call with the signal reason', () => {
    const ac = new AbortController();
    ac.abort(new Error('deadline'));
    expect(normalizeAzureError(rest(undefined, 'AbortError'), ac.signal, 'x')).toBe(ac.signal.reason);
  });
});

describe('createBackends', () => {
  it('configures each Azure back end only when its endpoint is set', async () => {
    const none = createBackends(loadConfig({}), silentLogger);
    expect([none.has('azureMetrics'), none.has('azureLogs')]).toEqual([false, false]);
    const some = createBackends(
      loadConfig({
        AZURE_LOGS_ENDPOINT: 'https://api.loganalytics.io',
        AZURE_LOGS_WORKSPACE_ID: '11111111-2222-3333-4444-555555555555',
      }),
      silentLogger,
    );
    expect(await some.get('azureMetrics')).toBeUndefined();
    expect(await some.get('azureLogs')).toMatchObject({
      defaultWorkspaceId: '11111111-2222-3333-4444-555555555555',
    });
    await some.close();
  });
});
