// Just enough of a Kafka broker, on the wire, to prove how perfbot connects: TLS (node:tls with a
// certificate the test makes) and the SASL exchange (ApiVersions → SaslHandshake →
// SaslAuthenticate), recording the mechanism and the authentication bytes. Any other request
// (Metadata, …) closes the connection: no topic data lives here; the checks are tested through
// the port (test/fakes/kafka.ts).
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';

const API_VERSIONS = 18;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;

export interface SaslExchange {
  mechanism: string;
  authBytes: Buffer;
}

export interface FakeKafkaBroker {
  port: number;
  /** Connections that completed (TLS when a certificate was given) and sent a request. */
  connections: number;
  sasl: SaslExchange[];
  /** TLS handshakes the broker saw fail (e.g. the client did not trust the certificate). */
  tlsErrors: string[];
  /** Common names of the client certificates presented (mutual TLS). */
  clientCertificates: string[];
  close(): Promise<void>;
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}
function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
const str = (s: string) => Buffer.concat([int16(Buffer.byteLength(s)), Buffer.from(s)]);

export async function startFakeKafkaBroker(
  options: {
    /** `clientCaPem`: require a client certificate signed by it (mutual TLS). */
    tls?: { certPem: string; keyPem: string; clientCaPem?: string };
    mechanisms?: string[];
  } = {},
): Promise<FakeKafkaBroker> {
  const mechanisms = options.mechanisms ?? ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];
  const state = {
    connections: 0,
    sasl: [] as SaslExchange[],
    tlsErrors: [] as string[],
    clientCertificates: [] as string[],
  };
  const sockets = new Set<Socket>();

  const serve = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    let mechanism = '';
    let counted = false;
    const reply = (correlationId: number, body: Buffer) => {
      socket.write(Buffer.concat([int32(body.length + 4), int32(correlationId), body]));
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const frame = buffered.subarray(4, 4 + buffered.readInt32BE(0));
        buffered = buffered.subarray(4 + frame.length);
        if (!counted) {
          state.connections++;
          counted = true;
        }
        const apiKey = frame.readInt16BE(0);
        const apiVersion = frame.readInt16BE(2);
        const correlationId = frame.readInt32BE(4);
        const clientIdLength = frame.readInt16BE(8);
        const body = frame.subarray(10 + Math.max(clientIdLength, 0));
        if (apiKey === API_VERSIONS) {
          const versions: [number, number, number][] = [
            [API_VERSIONS, 0, 2],
            [SASL_HANDSHAKE, 0, 1],
            [SASL_AUTHENTICATE, 0, 0],
            [3, 0, 5], // Metadata
          ];
          const list = Buffer.concat(
            versions.map(([k, min, max]) => Buffer.concat([int16(k), int16(min), int16(max)])),
          );
          const throttle = apiVersion >= 1 ? int32(0) : Buffer.alloc(0);
          reply(correlationId, Buffer.concat([int16(0), int32(versions.length), list, throttle]));
        } else if (apiKey === SASL_HANDSHAKE) {
          mechanism = body.subarray(2, 2 + body.readInt16BE(0)).toString();
          const enabled = Buffer.concat(mechanisms.map(str));
          reply(correlationId, Buffer.concat([int16(0), int32(mechanisms.length), enabled]));
        } else if (apiKey === SASL_AUTHENTICATE) {
          state.sasl.push({ mechanism, authBytes: Buffer.from(body.subarray(4, 4 + body.readInt32BE(0))) });
          // Accepted: no error, no message (null), no server bytes.
          reply(correlationId, Buffer.concat([int16(0), int16(-1), int32(0)]));
        } else {
          socket.destroy();
          return;
        }
      }
    });
  };

  let server: Server;
  if (options.tls) {
    const mutual = options.tls.clientCaPem
      ? { requestCert: true, rejectUnauthorized: true, ca: [options.tls.clientCaPem] }
      : {};
    const tls = createTlsServer(
      { cert: options.tls.certPem, key: options.tls.keyPem, ...mutual },
      (s: TLSSocket) => {
        const cn = s.getPeerCertificate()?.subject?.CN;
        if (cn) state.clientCertificates.push(String(cn));
        serve(s);
      },
    );
    tls.on('tlsClientError', (err) => state.tlsErrors.push(err.message));
    server = tls;
  } else {
    server = createTcpServer(serve);
  }
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    get connections() {
      return state.connections;
    },
    sasl: state.sasl,
    tlsErrors: state.tlsErrors,
    clientCertificates: state.clientCertificates,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
