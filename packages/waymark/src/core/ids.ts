import { randomBytes } from 'node:crypto';

/**
 * UUIDv7 (RFC 9562): 48 bits of ms timestamp, then random bits. Ids sort by creation time,
 * which keeps run listings and B-tree inserts cheap. Monotonic within one process.
 */
let lastMs = -1;
let lastSeq = 0;

export function uuidv7(nowMs: number): string {
  const bytes = randomBytes(16);
  let ms = Math.max(nowMs, lastMs);
  if (ms === lastMs) {
    lastSeq = (lastSeq + 1) & 0xfff;
    if (lastSeq === 0) ms += 1;
  } else {
    lastSeq = bytes.readUInt16BE(6) & 0x7ff;
  }
  lastMs = ms;
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (lastSeq >> 8);
  bytes[7] = lastSeq & 0xff;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Random uuid v4, for recorded `ctx.uuid()` values and worker ids. */
export function uuidv4(): string {
  return crypto.randomUUID();
}
