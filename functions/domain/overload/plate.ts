/**
 * Plate normalisation for permit matching. ANPR and permit clerks write the same plate as 琼A·12345, 琼A12345,
 * 琼a 12345 or with full-width characters; all of them must meet on one key.
 */

// Separators seen in plates: middle dots (· • ・ ‧), full stops, hyphens and dashes, any whitespace.
const SEPARATORS = /[\s\u00B7\u2022\u2027\u30FB\u002E\u3002\uFF0E\u002D\u2010-\u2015\u2212\uFF0D]/g;
const FULL_WIDTH_ASCII = /[\uFF01-\uFF5E]/g;
const LOWER_LATIN = /[a-z]/g;
const FULL_WIDTH_OFFSET = 0xfee0;

function toHalfWidth(ch: string): string {
  return String.fromCharCode(ch.charCodeAt(0) - FULL_WIDTH_OFFSET);
}

function toUpper(ch: string): string {
  return ch.toUpperCase();
}

/**
 * Normalised plate key: full-width ASCII folded to half-width, separators removed, Latin letters upper-cased,
 * the province character kept; `#colour` appended when a colour is given. Idempotent on the plate part.
 */
export function plateKey(plate: string, plateColor?: string): string {
  const bare = plate.replace(FULL_WIDTH_ASCII, toHalfWidth).replace(SEPARATORS, '').replace(LOWER_LATIN, toUpper);
  if (plateColor === undefined) return bare;
  const colour = plateColor.trim().toLowerCase();
  return colour === '' ? bare : `${bare}#${colour}`;
}
