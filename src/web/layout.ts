/**
 * The page shell: one stylesheet and one script, both same-origin files (the Content-Security-Policy
 * forbids inline script and style), a skip link, a landmark structure and a navigation bar.
 *
 * @see https://html.spec.whatwg.org/multipage/
 */
import { html, type HtmlValue, type SafeHtml } from './html.ts';

/** Where the static files are served (see static-files.ts). */
export const STATIC_BASE = '/_web';

/** The Content-Security-Policy of every HTML page: same-origin files only, nothing inline, nothing external. */
export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** A rendered page: status and the HTML document. */
export interface Page {
  readonly status: number;
  readonly body: string;
}

/**
 * Wraps a page's main content in the document shell.
 * @see https://html.spec.whatwg.org/multipage/semantics.html
 */
export function layout(title: string, main: HtmlValue, status = 200): Page {
  const doc: SafeHtml = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Cryoablation FHIR server</title>
<link rel="stylesheet" href="${STATIC_BASE}/app.css">
<script src="${STATIC_BASE}/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><nav aria-label="Site"><a href="/fhir">Home</a> <a href="/fhir/PlanDefinition">Pathways</a> <a href="/fhir/CodeSystem">Code systems</a> <a href="/fhir/ValueSet">Value sets</a> <a href="/fhir/ActivityDefinition">Activities</a> <a href="/fhir/CodeSystem/$validate-code">Validate a code</a> <a href="/fhir/CodeSystem/$subsumes">Subsumption</a></nav></header>
<main id="main">
<h1>${title}</h1>
${main}
</main>
<footer><p>FHIR R4. The same URLs answer FHIR JSON to FHIR clients (<code>Accept: application/fhir+json</code>).</p></footer>
</body>
</html>
`;
  return { status, body: doc.value };
}
