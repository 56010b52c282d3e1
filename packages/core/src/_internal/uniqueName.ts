/**
 * The default app `uniqueName`, on its own: the spec loader derives it without loading the Graph
 * steps (`wif` reads the spec before the rest of the SDK loads, decision 027).
 */

/**
 * Derives the default `uniqueName` from a display name: `wif-` and the lower-case slug. When the slug
 * loses more than letter case and spaces (non-ASCII letters, symbols, a cut at 100 characters), a
 * hash of the display name is appended: otherwise `Продакшн` and `Тест` would share one app.
 *
 * @example
 * defaultUniqueName('ado-Platform Prod'); // 'wif-ado-platform-prod'
 */
export function defaultUniqueName(displayName: string): string {
  const slug = displayName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '');
  const lossy = /[^A-Za-z0-9 ._-]/.test(displayName) || slug.length > 100;
  const base = slug.slice(0, 100).replace(/-+$/, '') || 'app';
  return lossy ? `wif-${base}-${fnv1a(displayName)}` : `wif-${base}`;
}

/** FNV-1a over UTF-16 code units, as 8 hex digits: stable across runs and platforms. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
