/** Credit for the bundled GeoIP data, shown by --version and when the bundled database is used (no imports: --version stays fast). */
export const BUNDLED_ATTRIBUTION =
  'Country data: @ip-location-db/geo-whois-asn-country (CC0-1.0), built from RIR data by the NRO under CC BY 4.0';
