/**
 * Usernames: the stored form (NFKC) and the "skeleton" that two look-alike names share, so that
 * `paypa1`, `раураl` (Cyrillic) and `PayPal` cannot be registered beside each other. The skeleton is
 * stored in `tenants.username_skeleton` under a unique index.
 *
 * The skeleton follows the idea of Unicode TS #39 (§4, "skeleton"), with a small mapping of the
 * look-alikes that matter for names typed on real keyboards instead of the full confusables table:
 * NFKC, then NFD with combining marks removed (`é` → `e`), then uppercase `I` → `l`, then lower case,
 * then Cyrillic and Greek letters that look like Latin ones, digits `0` → `o` and `1` → `l`, `|` → `l`,
 * and the pairs `rn` → `m`, `vv` → `w`. https://www.unicode.org/reports/tr39/#Confusable_Detection
 * Pure; imported by the migration that backfills the column and by the web.
 */

/** The stored form of a username: trimmed and NFKC-normalised (full-width letters become plain ones). */
export function normaliseUsername(name: string): string {
  return name.normalize('NFKC').trim();
}

/** Upper-case letters that look like a Latin lower-case `l` (checked before lower-casing). */
const UPPER: Record<string, string> = {
  I: 'l',
  '\u0406': 'l', // Cyrillic І
  '\u04C0': 'l', // Cyrillic palochka Ӏ
  '\u0399': 'l', // Greek Ι
};

/** Lower-case look-alikes of Latin letters (the lower forms of upper-case look-alikes included). */
const LOWER: Record<string, string> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  г: 'r',
  д: 'd',
  е: 'e',
  ё: 'e',
  һ: 'h',
  н: 'h',
  і: 'i',
  ј: 'j',
  к: 'k',
  ӏ: 'l',
  м: 'm',
  о: 'o',
  п: 'n',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ь: 'b',
  // Greek
  α: 'a',
  β: 'b',
  γ: 'y',
  ε: 'e',
  ζ: 'z',
  η: 'n',
  ι: 'i',
  κ: 'k',
  μ: 'm',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  // Latin and digits
  ı: 'i',
  ɡ: 'g',
  '0': 'o',
  '1': 'l',
  '|': 'l',
};

/** The skeleton of a username: equal for names that look alike (see the file's comment). */
export function usernameSkeleton(name: string): string {
  const base = normaliseUsername(name)
    .normalize('NFD')
    .replace(/\p{M}+/gu, '');
  let out = '';
  for (const ch of base) {
    const lower = (UPPER[ch] ?? ch).toLowerCase();
    out += LOWER[lower] ?? lower;
  }
  return out.replace(/rn/g, 'm').replace(/vv/g, 'w');
}
