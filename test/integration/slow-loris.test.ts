// Slow-loris senders against the real HTTP server, configured with a short request timeout
// (1 s): a request whose body stalls after a few bytes, one whose headers never finish, and a
// stalled signed Slack request each have their socket closed within the timeout + 1 s, and the
// server keeps answering everyone else meanwhile.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './slack-harness.js';

const TIMEOUT_MS = 1000;

let h: Harness;
let port: number;

beforeAll(async () => {
  h = await startHarness({ requestTimeoutMs: TIMEOUT_MS });
  port = Number(new URL(h.url).port);
});

afterAll(async () => {
  await h?.close();
});

/** Opens a socket, writes `head`, then sends nothing more; resolves when the server closes it. */
function stall(head: string): Promise<{ closedAfterMs: number; answer: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let started = 0;
    socket.on('connect', () => {
      started = Date.now();
      socket.write(head);
    });
    socket.on('data', (d) => {
      answer += d.toString();
    });
    socket.on('error', () => {}); // a reset is a close too
    socket.on('close', () => resolve({ closedAfterMs: Date.now() - started, answer, socket }));
    setTimeout(() => reject(new Error('socket still open after 10 s')), 10_000).unref();
  });
}

describe('slow-loris', () => {
  it('a body that stalls, headers that never end, a stalled Slack request: all cut within timeout + 1 s', async () => {
    const stalledBody = stall(
      'POST /alerts/alertmanager HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"version":',
    );
    const stalledHeaders = stall('POST /alerts/alertmanager HTTP/1.1\r\nHost: x\r\nX-Slow: a');
    const stalledSlack = stall(
      'POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 900\r\n\r\ncommand=%2Fperf',
    );
    // Others are served while those hang.
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);

    const results = await Promise.all([stalledBody, stalledHeaders, stalledSlack]);
    for (const r of results) {
      expect(r.closedAfterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(r.closedAfterMs).toBeLessThanOrEqual(TIMEOUT_MS + 1000);
      // Either a 408 or a plain close; never a 500 or an internal message.
      if (r.answer) expect(r.answer).toMatch(/^HTTP\/1\.1 408/);
    }
    console.log(
      `slow-loris: sockets closed after ${results.map((r) => r.closedAfterMs).join(', ')} ms (timeout ${TIMEOUT_MS} ms)`,
    );
  });
});
