/**
 * PEM text encoding (RFC 7468), plus the RFC 1421 headers that OpenSSL writes in
 * encrypted traditional keys (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: ...`).
 */

/** One `-----BEGIN LABEL-----` ... `-----END LABEL-----` block. */
export interface PemBlock {
  label: string;
  /** RFC 1421 headers such as Proc-Type and DEK-Info, keyed by name as written. */
  headers: Record<string, string>;
  der: Buffer;
  /** 1-based line of the BEGIN line in the normalised text. */
  line: number;
}

/** Error thrown by `parsePemBlocks` for text at `line` that is not a valid PEM block. */
export class PemSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'PemSyntaxError';
  }
}

export interface ParsedPem {
  blocks: PemBlock[];
  /** Number of non-blank lines outside every block, e.g. the "Bag Attributes" that `openssl pkcs12` prints. */
  linesOutsideBlocks: number;
}

const BEGIN_LINE = /^-----BEGIN ([A-Z0-9 ]+)-----$/;
const END_LINE = /^-----END ([A-Z0-9 ]+)-----$/;
const HEADER_LINE = /^([A-Za-z0-9-]+):\s*(.*)$/;
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Parses every PEM block in `text`, which must use LF line endings. Leading and
 * trailing spaces on each line are ignored, so PEM pasted with indentation reads.
 * Throws PemSyntaxError for a block without its END line, a mismatched END label, or
 * a body that is not base64.
 */
export function parsePemBlocks(text: string): ParsedPem {
  const lines = text.split('\n').map((line) => line.trim());
  const blocks: PemBlock[] = [];
  let linesOutsideBlocks = 0;
  let index = 0;

  while (index < lines.length) {
    const line = lines[index] ?? '';
    const begin = BEGIN_LINE.exec(line);

    if (!begin) {
      if (line !== '') linesOutsideBlocks += 1;
      index += 1;
      continue;
    }

    const block = readBlock(lines, index, begin[1] ?? '');
    blocks.push(block.block);
    index = block.nextIndex;
  }

  return { blocks, linesOutsideBlocks };
}

function readBlock(lines: string[], beginIndex: number, label: string): { block: PemBlock; nextIndex: number } {
  const beginLine = beginIndex + 1;
  const headers: Record<string, string> = {};
  const body: string[] = [];
  let index = beginIndex + 1;
  let inHeaders = true;

  while (index < lines.length) {
    const line = lines[index] ?? '';
    const end = END_LINE.exec(line);

    if (end) {
      if (end[1] !== label) {
        throw new PemSyntaxError(`the block "${label}" that starts at line ${beginLine} ends with "END ${end[1]}"`, index + 1);
      }
      return { block: { label, headers, der: decodeBase64Body(body, label, beginLine), line: beginLine }, nextIndex: index + 1 };
    }
    if (BEGIN_LINE.test(line)) break;

    const header = inHeaders ? HEADER_LINE.exec(line) : null;
    if (header) {
      headers[header[1] ?? ''] = header[2] ?? '';
    } else if (line !== '') {
      inHeaders = false;
      body.push(line);
    }
    index += 1;
  }

  throw new PemSyntaxError(`the block "${label}" that starts at line ${beginLine} has no END line, so the file looks truncated`, beginLine);
}

function decodeBase64Body(body: string[], label: string, beginLine: number): Buffer {
  const joined = body.join('');
  if (joined === '' || joined.length % 4 !== 0 || !BASE64_BODY.test(joined)) {
    throw new PemSyntaxError(`the block "${label}" that starts at line ${beginLine} is not valid base64`, beginLine);
  }
  return Buffer.from(joined, 'base64');
}

/**
 * Encodes `der` as a PEM block with 64-character lines, LF endings and a final newline.
 * `headers`, when given, are written after the BEGIN line as RFC 1421 headers.
 */
export function encodePem(label: string, der: Buffer, headers: Record<string, string> = {}): string {
  const base64 = der.toString('base64');
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  if (lines.length > 0) lines.push('');

  for (let offset = 0; offset < base64.length; offset += 64) {
    lines.push(base64.slice(offset, offset + 64));
  }
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
