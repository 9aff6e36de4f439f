import type { Command } from 'commander';
import { jsonLine } from '../../output/json.js';
import { action, appFor, examples } from '../app.js';
import { UsageError } from '../../errors.js';

interface LookupFlags {
  json?: boolean;
  geoipDb?: string;
  asnDb?: string;
}

export function register(program: Command): void {
  const geoip = program
    .command('geoip')
    .summary('look up addresses in the GeoIP/ASN databases; "geoip update" fetches GeoLite2')
    .description(
      'Country, city, location and AS of each address. Databases: --geoip-db / --asn-db (or geoip-db / asn-db in ' +
        'the config file), else GeoLite2 fetched by "loghound geoip update", else the bundled country database ' +
        '(@ip-location-db/geo-whois-asn-country, CC0; data from the NRO under CC BY 4.0). Private, loopback and ' +
        'other special-purpose addresses are not looked up.',
    )
    .argument('[ips...]', 'IPv4 or IPv6 addresses')
    .option('--json', 'one JSON object per address (NDJSON)')
    .option('--geoip-db <file>', 'a GeoIP2/GeoLite2 City or Country .mmdb (or another country/city mmdb)')
    .option('--asn-db <file>', 'a GeoLite2/GeoIP2 ASN .mmdb')
    .addHelpText(
      'after',
      examples([
        'loghound geoip 8.8.8.8 2a00:1450:4001::1',
        'loghound geoip 81.2.69.142 --geoip-db GeoLite2-City.mmdb --asn-db GeoLite2-ASN.mmdb --json',
        'MAXMIND_ACCOUNT_ID=123456 MAXMIND_LICENSE_KEY=... loghound geoip update',
      ]),
    )
    .action(
      action(async (ips: string[], flags: LookupFlags, cmd: Command) => {
        const app = appFor(cmd);
        if (!ips.length) throw new UsageError('give one or more addresses', 'or "loghound geoip update" to download GeoLite2');
        const { parseIp, ipScope } = await import('../../util/ip.js');
        const bad = ips.filter((ip) => !parseIp(ip));
        if (bad.length) throw new UsageError(`not an IP address: ${bad.join(', ')}`);
        const { loadConfig } = await import('../../config.js');
        const cfg = loadConfig();
        const { GeoLookup, BUNDLED_ATTRIBUTION } = await import('../../enrich/geoip.js');
        const geo = GeoLookup.open({ geoipDb: flags.geoipDb ?? cfg.values['geoip-db'], asnDb: flags.asnDb ?? cfg.values['asn-db'] });
        for (const s of geo.sources) app.log.debug(`${s.role}: ${s.path} (${s.databaseType}, built ${s.buildEpoch.slice(0, 10)})`);
        if (geo.sources.some((s) => s.bundled)) app.log.info(BUNDLED_ATTRIBUTION);
        const rows = ips.map((ip) => {
          const scope = ipScope(ip);
          const g = scope ? null : geo.lookup(ip);
          return {
            ip,
            scope: scope ?? null,
            country_iso_code: g?.country_iso_code ?? null,
            country_name: g?.country_name ?? null,
            city_name: g?.city_name ?? null,
            location: g?.lat !== undefined && g.lon !== undefined ? { lat: g.lat, lon: g.lon } : null,
            as: g?.asn !== undefined || g?.as_org ? { number: g?.asn ?? null, organization: { name: g?.as_org ?? null } } : null,
          };
        });
        if (flags.json) {
          for (const r of rows) app.out.line(jsonLine(r));
          return;
        }
        const { renderTable } = await import('../../output/format.js');
        app.out.line(
          renderTable(
            ['ip', 'country', 'name', 'city', 'location', 'asn', 'organization'],
            rows.map((r) => [
              r.ip,
              r.scope ? `(${r.scope})` : (r.country_iso_code ?? '-'),
              r.country_name ?? '',
              r.city_name ?? '',
              r.location ? `${r.location.lat}, ${r.location.lon}` : '',
              r.as?.number ?? '',
              r.as?.organization.name ?? '',
            ]),
          ),
        );
      }),
    );

  geoip
    .command('update')
    .summary('download GeoLite2 City and ASN with a MaxMind licence key')
    .description(
      'Downloads GeoLite2 editions from MaxMind with MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY (a free account ' +
        'gives both), checks each database opens, and swaps it in atomically. An edition whose Last-Modified has ' +
        'not changed is not downloaded again. Lookups and hunt use these files unless --geoip-db / --asn-db say ' +
        'otherwise.',
    )
    .option('--edition <id...>', 'MaxMind edition ids (default: GeoLite2-City GeoLite2-ASN)')
    .option('--dir <folder>', 'where to keep them (default: $XDG_DATA_HOME/loghound/geoip)')
    .option('--json', 'one JSON object per edition (NDJSON)')
    .addHelpText('after', examples(['MAXMIND_ACCOUNT_ID=123456 MAXMIND_LICENSE_KEY=xxxx loghound geoip update', 'loghound geoip update --edition GeoLite2-Country']))
    .action(
      action(async (flags: { edition?: string[]; dir?: string }, cmd: Command) => {
        const app = appFor(cmd);
        const { geoipDir } = await import('../../enrich/geoip.js');
        const { updateGeoLite } = await import('../../enrich/geoupdate.js');
        const path = await import('node:path');
        const json = Boolean((cmd.optsWithGlobals() as { json?: boolean }).json);
        const results = await updateGeoLite({
          editions: flags.edition,
          dir: flags.dir ? path.resolve(flags.dir) : geoipDir(),
          accountId: process.env.MAXMIND_ACCOUNT_ID,
          licenseKey: process.env.MAXMIND_LICENSE_KEY,
          onProgress: (m) => app.log.info(m),
        });
        for (const r of results) {
          if (json) app.out.line(jsonLine({ edition: r.edition, status: r.status, path: r.path, database_type: r.databaseType, build_epoch: r.buildEpoch }));
          else app.out.line(`${r.edition}: ${r.status} (${r.databaseType}, built ${r.buildEpoch.slice(0, 10)}) ${r.path}`);
        }
      }),
    );
}
