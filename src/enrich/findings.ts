/**
 * A finding keeps what was known about its addresses when it was found: GeoIP/ASN and threat context, as ECS
 * under source / destination / threat. Feeds change; the finding's snapshot says why it mattered then.
 */
import { isIP } from 'node:net';
import type { DB } from '../store/db.js';
import { intelFor } from './intel.js';
import { geoEcs, threatEcs } from './ecs.js';

type Side = 'source' | 'destination';

/** Where an address appeared among a finding's evidence: source.ip, destination.ip or both. */
type SidesOf = (findingId: string, ip: string) => Side[];

function evidenceSides(db: DB): SidesOf {
  const q = db.prepare<[string, string, string], { src: number | null; dst: number | null }>(
    `SELECT max(e.source_ip = ?) AS src, max(e.destination_ip = ?) AS dst
     FROM finding_events fe JOIN events e ON e.id = fe.event_id WHERE fe.finding_id = ?`,
  );
  return (id, ip) => {
    const r = q.get(ip, ip, id);
    return [...(r?.src ? ['source' as const] : []), ...(r?.dst ? ['destination' as const] : [])];
  };
}

/**
 * Group fields that hold the address a finding is about, and where its enrichment goes: the side the field names,
 * or for a field that names none (threat.indicator.ip, a correlation's alias) the side(s) the address held in the
 * evidence, so a listed destination is not filed as the source.
 */
function addressesOf(group: Record<string, unknown>, sides: (ip: string) => Side[]): { ip: string; field: string; side: Side }[] {
  const out: { ip: string; field: string; side: Side }[] = [];
  for (const [k, v] of Object.entries(group)) {
    if (typeof v !== 'string' || !isIP(v)) continue;
    const named = /^(source|destination)\./.exec(k)?.[1] as Side | undefined;
    if (named) out.push({ ip: v, field: k, side: named });
    else for (const side of sides(v)) out.push({ ip: v, field: `${side}.ip`, side });
  }
  return out;
}

export function enrichFindings(db: DB, ids: string[]): void {
  const get = db.prepare<[string], { group_json: string }>('SELECT group_json FROM findings WHERE id = ?');
  const set = db.prepare('UPDATE findings SET enrichment = ? WHERE id = ?');
  const sidesOf = evidenceSides(db);
  db.transaction(() => {
    for (const id of ids) {
      const row = get.get(id);
      if (!row) continue;
      const addrs = addressesOf(JSON.parse(row.group_json) as Record<string, unknown>, (ip) => sidesOf(id, ip));
      if (addrs.length === 0) continue;
      const intel = intelFor(db, addrs.map((a) => a.ip));
      const doc: Record<string, unknown> = {};
      for (const a of addrs) {
        const g = geoEcs(intel.get(a.ip));
        if (g && !doc[a.side]) doc[a.side] = g;
      }
      const threat = threatEcs(addrs.map((a) => ({ intel: intel.get(a.ip), field: a.field })));
      if (threat) doc.threat = threat;
      set.run(Object.keys(doc).length ? JSON.stringify(doc) : null, id);
    }
  })();
}
