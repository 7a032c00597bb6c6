// Kubernetes `Status` objects, the body of every API error response.

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string };
  code: number;
}

export function statusObject(
  code: number,
  message: string,
  details?: { name?: string; group?: string; kind?: string },
): StatusObject {
  const status: StatusObject = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: REASONS[code] ?? 'Unknown',
    code,
  };
  if (details) status.details = details;
  return status;
}

export function notFound(plural: string, group: string, name: string): StatusObject {
  const resource = group ? `${plural}.${group}` : plural;
  return statusObject(404, `${resource} "${name}" not found`, { name, group, kind: plural });
}
