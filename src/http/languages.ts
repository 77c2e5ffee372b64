/**
 * `Accept-Language` → an ordered list of language tags (by q, then order).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-accept-language
 */

/** Parses `Accept-Language`; `*` is kept (it means "any"). Tags with q=0 are dropped. */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (header === undefined || header.trim() === '') return [];
  const tags: { tag: string; q: number; order: number }[] = [];
  header.split(',').forEach((part, order) => {
    const [rawTag, ...params] = part.split(';').map((s) => s.trim());
    if (!rawTag || !/^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)$/.test(rawTag)) return;
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q) || q <= 0) return;
    tags.push({ tag: rawTag, q, order });
  });
  return tags.sort((a, b) => b.q - a.q || a.order - b.order).map((t) => t.tag);
}
