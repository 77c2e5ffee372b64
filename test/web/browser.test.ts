/**
 * The browser view in a real browser: Debian's chromium (never a downloaded build) driven by playwright-core.
 * Without chromium the file is skipped with a message, unless REQUIRE_BROWSER_TESTS=1 (set by .ci/run),
 * which makes a missing browser a failure. Screenshots go to test-output/screenshots/ (git-ignored).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/server.ts';

/** The step that appears with an active anticoagulant order and disappears without one (one constant). */
const ANTICOAGULANT_STEP_ID = 'anticoagulant-found';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasBrowser = existsSync(CHROMIUM);
if (!hasBrowser) {
  if (process.env.REQUIRE_BROWSER_TESTS === '1') throw new Error(`REQUIRE_BROWSER_TESTS=1 but no chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  console.warn(`test/web/browser.test.ts: no chromium at ${CHROMIUM}; browser tests not run (apt-get install -y chromium, or set CHROMIUM_PATH)`);
}
const SHOTS = resolve(import.meta.dirname, '../../test-output/screenshots');

describe.skipIf(!hasBrowser)('browser view in chromium', () => {
  const server = useTestServer();
  let browser: Browser;
  let origin: string;
  const consoleErrors: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    origin = new URL(server.base).origin;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(path: string, width = 1280): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${path}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${path}: ${e.message}`));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${origin}${path}`);
    return page;
  }

  it('the home page lists the pathway and what the server holds', async () => {
    const page = await open('/');
    expect(new URL(page.url()).pathname).toBe('/fhir');
    await expect(page.locator('h1').textContent()).resolves.toContain('Cryoablation FHIR server');
    await expect(page.locator('main a[href="/fhir/PlanDefinition/liver-tumor-cryoablation"]').count()).resolves.toBe(1);
    await page.screenshot({ path: `${SHOTS}/home.png`, fullPage: true });
    await page.close();
    // Phone width: the pathway page still fits its text (the diagram scrolls sideways in its own box).
    const phone = await open('/fhir/PlanDefinition/liver-tumor-cryoablation', 390);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: `${SHOTS}/pathway-phone.png` });
    await phone.close();
  });

  it('the pathway page draws the six procedure steps in order with the two choice groups, and a step leads to its ActivityDefinition', async () => {
    const page = await open('/fhir/PlanDefinition/liver-tumor-cryoablation');
    const steps = await page.locator('#action-procedure > ol > li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-action-id')));
    expect(steps).toEqual(['step-1-positioning', 'step-2-anesthesia', 'step-3-cryoprobe-placement', 'step-4-freezing', 'step-5-freeze-thaw-cycles', 'step-6-probe-removal']);
    const drawnOrder = await page.locator('svg a.node[data-action-id^="step-"]').evaluateAll((as) => as.map((a) => a.getAttribute('data-action-id')));
    expect(drawnOrder).toEqual(steps);
    const choices = await page.locator('svg a.node.choice').evaluateAll((as) => as.map((a) => a.getAttribute('data-action-id')));
    expect(choices).toEqual(['step-2-anesthesia', 'step-3-cryoprobe-placement']);
    await expect(page.locator('#action-step-2-anesthesia').textContent()).resolves.toMatch(/choose exactly one of: Local anesthesia with sedation · General anesthesia/);
    await page.screenshot({ path: `${SHOTS}/pathway.png`, fullPage: false });
    await page.locator('#action-step-4-freezing > dl a').first().click();
    await page.waitForURL(/\/fhir\/ActivityDefinition\/tumor-freezing$/);
    await expect(page.locator('h1').textContent()).resolves.toContain('ActivityDefinition');
    await page.close();
  });

  it('$apply from the form: the anticoagulant step appears with an anticoagulant order and disappears without one', async () => {
    const page = await open('/fhir/PlanDefinition/liver-tumor-cryoablation');
    await page.getByLabel('Patient id').fill('p1');
    await page.getByLabel(/active order for warfarin/).check();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/\$apply/);
    await expect(page.locator(`.changes li[data-action-id="${ANTICOAGULANT_STEP_ID}"]`).getAttribute('class')).resolves.toBe('added');
    await expect(page.locator(`svg a.node[data-action-id="${ANTICOAGULANT_STEP_ID}"]`).getAttribute('class')).resolves.toContain('added');
    await page.screenshot({ path: `${SHOTS}/apply-with-anticoagulant.png`, fullPage: false });
    await page.getByLabel(/active order for warfarin/).uncheck();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((u) => !u.search.includes('anticoagulant'));
    await expect(page.locator(`.changes li[data-action-id="${ANTICOAGULANT_STEP_ID}"]`).getAttribute('class')).resolves.toBe('removed');
    await expect(page.locator('pre.json').textContent()).resolves.toContain('"resourceType": "CarePlan"');
    await page.close();
  });

  it('the complications value set filters live as you type "bleed"', async () => {
    const page = await open('/fhir/ValueSet/complications');
    const before = await page.locator('#expansion li').count();
    await page.getByLabel('Filter concepts').pressSequentially('bleed');
    await expect.poll(() => page.locator('#expansion li').count()).toBeLessThan(before);
    await expect(page.locator('#expansion').textContent()).resolves.toMatch(/bleeding/i);
    await page.screenshot({ path: `${SHOTS}/valueset-filter.png`, fullPage: false });
    await page.close();
  });

  it('a concept page ($lookup) and the code system tree render', async () => {
    const page = await open('/fhir/CodeSystem/liver-cryoablation');
    await page.locator('ul.tree a[href$="code=bleeding"]').click();
    await page.waitForURL(/\$lookup/);
    await expect(page.locator('table.params').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('main').textContent()).resolves.toContain('Value sets that contain it');
    await page.screenshot({ path: `${SHOTS}/concept.png`, fullPage: false });
    await page.close();
  });

  it('at 200 % zoom (640 CSS px) and on a phone (375 px) the pages do not scroll sideways; form controls are labelled', async () => {
    const paths = ['/fhir', '/fhir/PlanDefinition/liver-tumor-cryoablation', `/fhir/CodeSystem/$lookup?system=${encodeURIComponent('https://example.org/fhir/liver-cryoablation/CodeSystem/liver-cryoablation')}&code=bleeding`, '/fhir/ValueSet/complications'];
    // 200 % zoom of a 1280 px window lays the page out in 640 CSS px at two device pixels per CSS pixel.
    for (const [width, scale] of [[640, 2], [375, 2]] as const) {
      const context = await browser.newContext({ viewport: { width, height: 800 }, deviceScaleFactor: scale });
      for (const path of paths) {
        const page = await context.newPage();
        page.on('pageerror', (e) => consoleErrors.push(`${path}: ${e.message}`));
        await page.goto(`${origin}${path}`);
        const sizes = await page.evaluate(() => ({ doc: [document.documentElement.scrollWidth, document.documentElement.clientWidth], body: [document.body.scrollWidth, document.body.clientWidth] }));
        expect({ path, width, overflows: sizes.doc[0] > sizes.doc[1] || sizes.body[0] > sizes.body[1], sizes }).toMatchObject({ path, width, overflows: false });
        const unlabelled = await page.locator('input:not([type=hidden]), select, textarea').evaluateAll((els) =>
          els.filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')).map((el) => el.outerHTML),
        );
        expect({ path, unlabelled }).toEqual({ path, unlabelled: [] });
        if (width === 375 && path.startsWith('/fhir/PlanDefinition')) await page.screenshot({ path: `${SHOTS}/pathway-375.png` });
        await page.close();
      }
      await context.close();
    }
  });

  it('the keyboard alone reaches and submits the $apply form', async () => {
    const page = await open('/fhir/PlanDefinition/liver-tumor-cryoablation');
    const focused = (): Promise<string> => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim() || '');
    let seen = '';
    for (let i = 0; i < 300 && seen !== 'apply-subject'; i++) {
      await page.keyboard.press('Tab');
      seen = await focused();
    }
    expect(seen).toBe('apply-subject');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('kb1');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('apply-anticoagulant');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Apply');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\$apply\?subject=kb1&anticoagulant=true/);
    await expect(page.locator('main').textContent()).resolves.toContain('Patient/kb1');
    await page.close();
  });

  it('an injected <script> in a query or an id never runs, and no page logged a console error', async () => {
    const payload = '<script>alert("xss")</script><img src=x onerror=alert("xss2")>';
    const pages = [
      [`/fhir/CodeSystem?name=${encodeURIComponent(payload)}`, '0 found'],
      [`/fhir/ValueSet/complications?filter=${encodeURIComponent(payload)}`, 'No concepts match.'],
      [`/fhir/CodeSystem/${encodeURIComponent(payload)}`, 'is not a valid FHIR id'],
    ];
    for (const [path, shown] of pages) {
      const page = await open(path);
      await expect(page.locator('main').textContent()).resolves.toContain(shown);
      expect(await page.evaluate(() => document.querySelectorAll('main script, main img').length)).toBe(0);
      await page.close();
    }
    expect(dialogs).toEqual([]);
    // The invalid id is answered 400 on purpose; Chromium logs that status, which is not a script error.
    expect(consoleErrors.filter((e) => !(e.includes('%3Cscript') && e.includes('status of 400')))).toEqual([]);
  });
});
