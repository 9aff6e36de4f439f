/** Structural checks of a report's HTML text, shared by the unit and end-to-end tests. */
import assert from 'node:assert/strict';

/** Every start tag of a page: its name and attributes (values are escaped, so no ">" hides inside one). */
export function startTags(page: string): { name: string; attrs: [string, string][] }[] {
  return [...page.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/g)].map((m) => ({
    name: m[1].toLowerCase(),
    attrs: [...m[2].matchAll(/([^\s=>]+)(?:="([^"]*)")?/g)].map((a) => [a[1].toLowerCase(), a[2] ?? ''] as [string, string]),
  }));
}

/** The elements the report itself uses: anything else came from data. */
export const REPORT_TAGS = new Set(
  'html head meta title style body header nav main section footer h1 h2 h3 p a b br code span div dl dt dd ul li table caption thead tbody tr th td details summary figure figcaption svg desc g line text rect'.split(
    ' ',
  ),
);

const LINK = /^(#.*|https:\/\/attack\.mitre\.org\/techniques\/T\d{4}\/(\d{3}\/)?)$/;

/**
 * The page holds only the report's own elements, no event handler, nothing that loads or runs anything
 * (src, srcdoc, style, action attributes), and links only within the page or to ATT&CK technique pages.
 */
export function assertInert(page: string): void {
  const tags = startTags(page);
  assert.ok(tags.length > 50, 'the page has markup');
  for (const t of tags) {
    assert.ok(REPORT_TAGS.has(t.name), `unexpected <${t.name}>`);
    for (const [name, value] of t.attrs) {
      assert.ok(!name.startsWith('on'), `event handler ${name} on <${t.name}>`);
      assert.ok(!['src', 'srcdoc', 'style', 'action', 'formaction', 'xlink:href'].includes(name), `${name} on <${t.name}>`);
      if (name === 'href') assert.match(value, LINK);
    }
  }
  assert.doesNotMatch(page, /<script|<link|@import|url\(/i);
}
