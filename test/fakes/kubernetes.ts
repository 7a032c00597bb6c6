// A stateful HTTP-level fake of the Kubernetes API server on 127.0.0.1:0, speaking the real REST
// paths and JSON shapes: pods (list, log), metrics.k8s.io PodMetrics, autoscaling/v2 HPAs,
// services, endpoints, deployments and statefulsets (get, patch, scale subresource), configmaps.
// It keeps state, applies the three PATCH flavours (415 for any other content type), bumps
// generations, simulates rollouts, answers errors with `Status` objects and records every call.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from './kubernetes/builders.js';
import { handleResource, type Route } from './kubernetes/routes.js';
import { FakeKubeState, RESOURCE_TYPES } from './kubernetes/state.js';
import { statusObject } from './kubernetes/status.js';

export * from './kubernetes/builders.js';
export { FakeKubeState } from './kubernetes/state.js';

export interface RecordedCall {
  method: string;
  /** URL path without the query string. */
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  /** Parsed JSON when the body is JSON, the raw text otherwise, undefined when empty. */
  body: unknown;
}

export interface InjectedFailure {
  method?: string;
  path: string | RegExp;
  status: number;
  message?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface FakeKubernetes {
  url: string;
  state: FakeKubeState;
  calls: RecordedCall[];
  /** A KubeConfig whose current context points at the fake. */
  kubeConfig(): KubeConfig;
  /** Makes the next matching request(s) fail with a Status of `status`. */
  failNext(failure: InjectedFailure): void;
  /** Calls whose method matches and whose path starts with (or matches) `path`. */
  callsTo(method: string, path: string | RegExp): RecordedCall[];
  close(): Promise<void>;
}

export interface FakeKubernetesOptions {
  /** Reads of a workload that still see its rollout in progress (default 2). */
  rolloutPolls?: number;
  /** Bearer token to require; any token is accepted when unset. */
  token?: string;
  /** Objects to seed. */
  objects?: KubeObject[];
}

const PATH =
  /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/;

function route(path: string): Route | undefined {
  const m = PATH.exec(path);
  if (!m) return undefined;
  const [, coreVersion, group = '', groupVersion, namespace = '', plural, name, sub] = m;
  const version = coreVersion ?? groupVersion;
  const type = RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
  if (!type) return undefined;
  return { type, namespace: decodeURIComponent(namespace), name: name && decodeURIComponent(name), sub };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startFakeKubernetes(options: FakeKubernetesOptions = {}): Promise<FakeKubernetes> {
  const state = new FakeKubeState({ rolloutPolls: options.rolloutPolls ?? 2 });
  for (const obj of options.objects ?? []) state.put(obj);
  const calls: RecordedCall[] = [];
  const failures: (InjectedFailure & { left: number })[] = [];

  const send = (res: ServerResponse, status: number, body: unknown, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const text = await readBody(req);
    const call: RecordedCall = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'],
      body: parseBody(text),
    };
    calls.push(call);

    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      return send(res, 401, statusObject(401, 'Unauthorized'));
    }
    const failure = failures.find(
      (f) =>
        f.left > 0 &&
        (f.method === undefined || f.method === call.method) &&
        (typeof f.path === 'string' ? call.path.startsWith(f.path) : f.path.test(call.path)),
    );
    if (failure) {
      failure.left -= 1;
      return send(
        res,
        failure.status,
        statusObject(failure.status, failure.message ?? `injected ${failure.status}`),
      );
    }
    const r = route(url.pathname);
    if (!r) return send(res, 404, statusObject(404, 'the server could not find the requested resource'));
    const out = handleResource(state, r, call, text);
    return send(res, out.status, out.body, out.contentType);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    state,
    calls,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: 'fake', token: options.token ?? 'fake-token' }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
        currentContext: 'fake',
      });
      return kc;
    },
    failNext(failure) {
      failures.push({ ...failure, left: failure.times ?? 1 });
    },
    callsTo(method, path) {
      return calls.filter(
        (c) =>
          c.method === method && (typeof path === 'string' ? c.path.startsWith(path) : path.test(c.path)),
      );
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
