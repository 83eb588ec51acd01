import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

/** A and AAAA addresses that the test DNS server returns for one name. */
export interface DnsRecords {
  a?: string[];
  aaaa?: string[];
}

export interface TestDnsServer {
  /** Loopback address the server listens on. */
  address: string;
  port: number;
  /** The `--dns-server` value for this server, with IPv6 addresses in brackets. */
  serverOption: string;
  /** Replaces the records of one name, so a test can change DNS while the server runs. */
  setRecords(name: string, records: DnsRecords): void;
  /** Number of queries received so far. */
  queryCount(): number;
  stop(): Promise<void>;
}

const RCODE_NXDOMAIN = 3;
const TTL_SECONDS = 5;

function canonicalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * Starts a small authoritative DNS server over UDP on a loopback address and a
 * random port. It answers A and AAAA questions for the names in `zone` (case-insensitive,
 * a trailing dot ignored), NODATA for other types of a known name, and NXDOMAIN for
 * unknown names. It never forwards a query anywhere.
 */
export async function startDnsServer(
  zone: Record<string, DnsRecords>,
  options: { address?: string } = {},
): Promise<TestDnsServer> {
  const address = options.address ?? '127.0.0.1';
  const family = net.isIP(address);
  if (family === 0 || !isLoopback(address)) {
    throw new Error(`Test DNS server address ${address} is not a loopback IP address. Use 127.0.0.1 or ::1.`);
  }

  const records = new Map<string, DnsRecords>();
  for (const [name, entry] of Object.entries(zone)) records.set(canonicalName(name), entry);
  let queries = 0;

  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  socket.on('message', (message, remote) => {
    queries += 1;
    const response = answerQuery(message, records);
    if (response) socket.send(response, remote.port, remote.address);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });

  const port = socket.address().port;
  return {
    address,
    port,
    serverOption: family === 6 ? `[${address}]:${port}` : `${address}:${port}`,
    setRecords(name, entry) {
      records.set(canonicalName(name), entry);
    },
    queryCount: () => queries,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** Builds the response to one query, or returns undefined for a packet that is not a query. */
function answerQuery(message: Buffer, records: Map<string, DnsRecords>): Buffer | undefined {
  let query: dnsPacket.DecodedPacket;
  try {
    query = dnsPacket.decode(message);
  } catch {
    return undefined;
  }
  if (query.type !== 'query') return undefined;

  const answers: dnsPacket.Answer[] = [];
  let known = true;
  for (const question of query.questions ?? []) {
    const entry = records.get(canonicalName(question.name));
    if (!entry) {
      known = false;
      continue;
    }
    if (question.type === 'A') {
      for (const ip of entry.a ?? []) answers.push({ type: 'A', name: question.name, ttl: TTL_SECONDS, data: ip });
    }
    if (question.type === 'AAAA') {
      for (const ip of entry.aaaa ?? []) answers.push({ type: 'AAAA', name: question.name, ttl: TTL_SECONDS, data: ip });
    }
  }

  const recursionDesired = query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0;
  return dnsPacket.encode({
    type: 'response',
    id: query.id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | recursionDesired | (known ? 0 : RCODE_NXDOMAIN),
    questions: query.questions,
    answers,
  });
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}
