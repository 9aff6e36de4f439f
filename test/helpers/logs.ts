/** Deterministic log lines for ingest tests (content matters less than being distinct and realistic). */
export function accessLines(n: number, start = 0, tag = 'a'): string {
  const out: string[] = [];
  for (let i = start; i < start + n; i++) {
    const sec = String(i % 60).padStart(2, '0');
    const min = String(Math.floor(i / 60) % 60).padStart(2, '0');
    out.push(
      `10.0.${(i >> 8) & 255}.${i & 255} - - [14/Nov/2026:03:${min}:${sec} +0000] "GET /${tag}/${i} HTTP/1.1" 200 ${100 + (i % 900)} "-" "Mozilla/5.0 (X11; Linux x86_64)"`,
    );
  }
  return out.join('\n') + '\n';
}
