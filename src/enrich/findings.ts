/**
 * A finding keeps what was known about its addresses when it was found: GeoIP/ASN and threat context, as ECS
 * under source / destination / threat. Feeds change; the finding's snapshot says why it mattered then.
 */
import { isIP } from 'node:net';
import type { DB } from '../store/db.js';
import { intelFor } from './intel.js';
import { geoEcs, threatEcs } from './ecs.js';

/** Group fields that hold the address a finding is about, and where its enrichment goes. */
function addressesOf(group: Record<string, unknown>): { ip: string; field: string; side: 'source' | 'destination' }[] {
  const out: { ip: string; field: string; side: 'source' | 'destination' }[] = [];
  for (const [k, v] of Object.entries(group)) {
    if (typeof v !== 'string' || !isIP(v)) continue;
    out.push({ ip: v, field: k, side: k.startsWith('destination.') ? 'destination' : 'source' });
  }
  return out;
}

export function enrichFindings(db: DB, ids: string[]): void {
  const get = db.prepare<[string], { group_json: string }>('SELECT group_json FROM findings WHERE id = ?');
  const set = db.prepare('UPDATE findings SET enrichment = ? WHERE id = ?');
  db.transaction(() => {
    for (const id of ids) {
      const row = get.get(id);
      if (!row) continue;
      const addrs = addressesOf(JSON.parse(row.group_json) as Record<string, unknown>);
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
