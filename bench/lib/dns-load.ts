/**
 * DNS queries at a steady pace over UDP to 127.0.0.1:53, answered by a tiny
 * responder of the bench's own (when port 53 is free; otherwise whatever
 * listens there answers, and the DNS monitor sees the queries either way).
 * Each query asks an A record of a name of its own; the answer is 127.0.0.1.
 */
import { createSocket, type Socket } from 'node:dgram';

/** A standard query (RD set) for one A record, id in the first two bytes. */
export function dnsQuery(id: number, name: string): Buffer {
  const labels = name.split('.').filter(Boolean);
  const qname = Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  return Buffer.concat([header, qname, Buffer.from([0, 1, 0, 1])]); // QTYPE A, QCLASS IN
}

/** The answer to a query: the question echoed, one A record 127.0.0.1 (TTL 0); null when it is no query. */
export function dnsAnswer(query: Buffer): Buffer | null {
  if (query.length < 17 || (query.readUInt16BE(2) & 0x8000) !== 0 || query.readUInt16BE(4) !== 1) return null;
  let end = 12;
  while (end < query.length && query[end] !== 0) end += query[end]! + 1;
  end += 5; // the zero label, QTYPE, QCLASS
  if (end > query.length) return null;
  const head = Buffer.from(query.subarray(0, 12));
  head.writeUInt16BE(0x8180, 2); // QR, RD, RA, NOERROR
  head.writeUInt16BE(1, 6); // ANCOUNT
  head.writeUInt16BE(0, 8);
  head.writeUInt16BE(0, 10);
  const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 127, 0, 0, 1]);
  return Buffer.concat([head, query.subarray(12, end), answer]);
}

export interface DnsFigures {
  readonly sent: number;
  readonly answered: number;
  /** The bench answered (port 53 was free) rather than a resolver already there. */
  readonly ownResponder: boolean;
}

function bind(sock: Socket, port: number, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    sock.once('error', () => resolve(false));
    sock.bind(port, address, () => resolve(true));
  });
}

export class DnsLoad {
  readonly #client: Socket;
  readonly #server: Socket | undefined;
  readonly #timer: NodeJS.Timeout;
  #sent = 0;
  #answered = 0;

  private constructor(client: Socket, server: Socket | undefined, perSecond: number) {
    this.#client = client;
    this.#server = server;
    client.on('message', () => {
      this.#answered++;
    });
    const t0 = performance.now();
    // Absolute deadlines: a late tick sends what is due instead of drifting.
    this.#timer = setInterval(
      () => {
        const due = Math.floor(((performance.now() - t0) / 1000) * perSecond);
        for (; this.#sent < due; this.#sent++) {
          const id = this.#sent & 0xffff;
          client.send(dnsQuery(id, `q${this.#sent}.bench.bpfwarden.test`), 53, '127.0.0.1');
        }
      },
      Math.max(5, 1000 / perSecond),
    );
  }

  static async start(perSecond: number): Promise<DnsLoad> {
    const server = createSocket('udp4');
    const own = await bind(server, 53, '127.0.0.1');
    if (own) {
      server.on('message', (msg, from) => {
        const a = dnsAnswer(msg);
        if (a) server.send(a, from.port, from.address);
      });
    } else server.close();
    const client = createSocket('udp4');
    await bind(client, 0, '127.0.0.1');
    return new DnsLoad(client, own ? server : undefined, perSecond);
  }

  async stop(): Promise<DnsFigures> {
    clearInterval(this.#timer);
    await new Promise((r) => setTimeout(r, 200)); // the last answers
    this.#client.close();
    this.#server?.close();
    return { sent: this.#sent, answered: this.#answered, ownResponder: this.#server !== undefined };
  }
}
