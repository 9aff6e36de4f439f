/** `journalctl -o export` bytes for entries given as `journalctl -o json` prints them. */

type Value = string | number[] | null;

function isBytes(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((b) => typeof b === 'number');
}

/** One field as the export format writes it: text on its line, or the binary form (any newline or control byte). */
function field(key: string, v: Value): Buffer {
  const bytes = isBytes(v) ? Buffer.from(v) : Buffer.from(String(v));
  // eslint-disable-next-line no-control-regex
  if (!isBytes(v) && !/[\x00-\x1f\x7f]/.test(String(v))) return Buffer.from(`${key}=${v}\n`);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(bytes.length));
  return Buffer.concat([Buffer.from(`${key}\n`), len, bytes, Buffer.from('\n')]);
}

/** An entry (a parsed -o json line); a key with several values (an array of values) is written once for each. */
export function exportEntry(doc: Record<string, unknown>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, v] of Object.entries(doc)) {
    const values = Array.isArray(v) && !isBytes(v) ? (v as Value[]) : [v as Value];
    for (const one of values) parts.push(field(key, one));
  }
  parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}

export function exportOf(jsonLines: string[]): Buffer {
  return Buffer.concat(jsonLines.map((l) => exportEntry(JSON.parse(l))));
}
