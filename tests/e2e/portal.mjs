// End-to-end browser tests of the odcat citizen portal (server-rendered HTML under /, /datasets,
// /dataset/{slug}, /organization/{slug}, /sparql, /api, /impressum, /barrierefreiheit), against a
// running `odcat serve` on the fixtures. Plain Node, no test framework: one line per check (`ok`,
// `FAIL` or `skip`), a closing `e2e: N passed, N failed` line, exit code 1 on any failure.
//
//   ODCAT_E2E_BASE=http://127.0.0.1:8080 node tests/e2e/portal.mjs
//
// Environment: ODCAT_E2E_BASE (required), ODCAT_E2E_OUT (screenshots and downloads, default
// target/e2e relative to the working directory), CHROMIUM (browser binary, default the Debian
// chromium), ODCAT_E2E_QUERY (search word, default "ALKIS"), ODCAT_E2E_DATASET (slug of a dataset
// with a hosted table, default the fixtures' first one with a numeric column), ODCAT_E2E_PUBLISHER,
// ODCAT_E2E_JOBS (parts run at once, default the CPU count up to 4), ODCAT_E2E_WITHDRAWN (slug of a
// withdrawn dataset for the 410 page; without it that page is skipped), ODCAT_E2E_EDITOR_TOKEN and
// ODCAT_E2E_ADMIN_TOKEN (an editor token of publisher stadt-wuppertal-402 and an administrator token
// for the workspace's parts; without them those are skipped). `.ci/e2e` starts the server,
// withdraws a dataset it creates, and runs this. Expected values (titles, table columns, hit counts) come from fixtures/catalog.json.

import { chromium } from 'playwright-core';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
// axe-core's minified build: the same code as require.resolve('axe-core') (axe.js), injected 3× faster.
const AXE_PATH = path.join(path.dirname(require.resolve('axe-core')), 'axe.min.js');
const HERE = path.dirname(fileURLToPath(import.meta.url));
const started = Date.now();

const BASE = (process.env.ODCAT_E2E_BASE || '').replace(/\/+$/, '');
if (!BASE) {
  console.error('portal.mjs: set ODCAT_E2E_BASE to the portal, e.g. http://127.0.0.1:8080');
  process.exit(2);
}
const OUT = path.resolve(process.env.ODCAT_E2E_OUT || 'target/e2e');
fs.mkdirSync(OUT, { recursive: true });
const TIMEOUT = 15_000;
// Parts run side by side in contexts of one browser; their lines are printed in order, part by part.
const JOBS = Math.max(1, Number(process.env.ODCAT_E2E_JOBS) || Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

// ---- what the fixtures say (fixtures/catalog.json), so the checks can be exact -------------------
const fixtures = (() => {
  try {
    return JSON.parse(fs.readFileSync(path.join(HERE, '..', '..', 'fixtures', 'catalog.json'), 'utf8'));
  } catch {
    return null;
  }
})();
const QUERY = process.env.ODCAT_E2E_QUERY || 'ALKIS';
const hostedTable = (() => {
  const wanted = process.env.ODCAT_E2E_DATASET;
  const tables = fixtures?.tables || [];
  const t = wanted
    ? tables.find((x) => x.dataset === wanted)
    : tables.find((x) => x.columns.some((c) => ['decimal', 'integer'].includes(c.type))) || tables[0];
  return { slug: wanted || t?.dataset || 'digitalisierungsprojekte-digital-2026', columns: t ? t.columns.map((c) => c.name) : [] };
})();
const DATASET = hostedTable.slug;
const datasetFixture = fixtures?.datasets?.find((d) => d.slug === DATASET);
const PUBLISHER = process.env.ODCAT_E2E_PUBLISHER || datasetFixture?.publisher || 'stadt-wuppertal-402';
// Fixture datasets whose title (in either language) contains the search word: the search finds at least these.
const titleHits = (fixtures?.datasets || []).filter((d) =>
  Object.values(d.title || {}).some((t) => t.toLowerCase().includes(QUERY.toLowerCase()))).length;

// ---- reporting --------------------------------------------------------------------------------------
const tally = { passed: 0, failed: 0, skipped: 0 };
const sink = new AsyncLocalStorage(); // the running part's line buffer
const topLevel = { lines: null, failures: [] };
const store = () => sink.getStore() || topLevel;
const emit = (line) => { const s = store(); if (s.lines) s.lines.push(line); else console.log(line); };
function report(status, group, name, detail) {
  const head = { ok: 'ok  ', FAIL: 'FAIL', skip: 'skip' }[status];
  const lines = String(detail ?? '').split('\n').filter(Boolean);
  emit(`${head} ${group}: ${name}${lines.length ? ' — ' + lines[0] : ''}`);
  for (const l of lines.slice(1)) emit(`       ${l}`);
  if (status === 'ok') tally.passed++;
  else if (status === 'skip') tally.skipped++;
  else { tally.failed++; store().failures.push(`${group}: ${name}`); }
}
class Failure extends Error {}
function assert(cond, msg) { if (!cond) throw new Failure(msg); }

// A sequence of checks where a failed step skips the steps that depend on it: all later ones, or
// only the dependent ones for an `independent` check, unless a `gate` (opening the page) failed.
class Flow {
  constructor(group) { this.group = group; this.broken = null; this.gate = null; }
  async check(name, fn, { independent = false, gate = false } = {}) {
    if (this.gate || (this.broken && !independent)) {
      report('skip', this.group, name, `after failed step "${this.gate || this.broken}"`);
      return false;
    }
    try {
      const detail = await fn();
      report('ok', this.group, name, typeof detail === 'string' ? detail : '');
      return true;
    } catch (e) {
      const msg = e instanceof Failure ? e.message : `${e.name || 'Error'}: ${String(e.message || e).split('\n')[0]}`;
      report('FAIL', this.group, name, msg);
      if (!independent) this.broken = name;
      if (gate) this.gate = name;
      return false;
    }
  }
}

// ---- helpers ----------------------------------------------------------------------------------------
const url = (p, lang) => {
  const u = new URL(p, BASE + '/');
  if (lang) u.searchParams.set('lang', lang);
  return u.toString();
};
const rel = (u) => { const x = new URL(u); return x.pathname + x.search; };

async function shot(page, name) {
  await page.screenshot({ path: path.join(OUT, name), fullPage: true });
}

async function open(page, p, lang) {
  let res;
  try {
    res = await page.goto(url(p, lang), { waitUntil: 'load' });
  } catch (e) {
    if (/Download is starting/.test(e.message)) {
      throw new Failure(`GET ${rel(url(p, lang))} started a download instead of an HTML page (Accept: text/html not honoured?)`);
    }
    throw e;
  }
  assert(res, `no response for ${p}`);
  assert(res.status() === 200, `GET ${rel(res.url())} answered ${res.status()}`);
  const type = res.headers()['content-type'] || '';
  assert(/^text\/html/.test(type), `GET ${rel(res.url())} answered ${type || 'no content-type'}, not text/html`);
  assert(await page.$('main#main'), `GET ${rel(res.url())}: no <main id="main"> in the page`);
  return res;
}

// An element a loaded server-rendered page must have: a short wait, then a clear failure.
async function need(page, sel, ms = 3000) {
  await page.waitForSelector(sel, { timeout: ms }).catch(() => { throw new Failure(`no ${sel} on ${rel(page.url())}`); });
}

async function htmlLang(page) {
  return page.evaluate(() => document.documentElement.getAttribute('lang'));
}

async function runAxe(page) {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String).join(' '), summary: n.failureSummary || '' })),
    }));
  }, AXE_TAGS);
}

function formatViolations(vs) {
  const out = [`${vs.length} axe violation(s): ${vs.map((v) => v.id).join(', ')}`];
  for (const v of vs) {
    out.push(`[${v.impact}] ${v.id}: ${v.help} (${v.nodes.length} node(s))`);
    for (const n of v.nodes.slice(0, 3)) {
      const summary = n.summary.replace(/\s*\n\s*/g, ' / ').slice(0, 300);
      out.push(`    ${n.target}: ${summary}`);
    }
  }
  return out.join('\n');
}

// Landmarks, skip link first, footer links, language switch: the frame every page shares.
async function frameProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const visible = (el) => {
      const s = getComputedStyle(el);
      return s.display !== 'none' && s.visibility !== 'hidden' && !el.closest('[hidden],[inert]');
    };
    const focusable = [...document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
      .filter((el) => !el.disabled && el.tabIndex >= 0 && visible(el));
    const first = focusable[0];
    if (!first || !first.matches('a.skip-link') || first.getAttribute('href') !== '#main') {
      problems.push(`first focusable element is ${first ? first.outerHTML.slice(0, 80) : 'none'}, not a.skip-link[href="#main"]`);
    }
    for (const sel of ['header', 'nav', 'main#main', 'footer']) {
      if (!document.querySelector(sel)) problems.push(`no <${sel}>`);
    }
    if (document.querySelectorAll('main').length !== 1) problems.push(`${document.querySelectorAll('main').length} <main> elements`);
    const footer = document.querySelector('footer');
    for (const p of ['/impressum', '/barrierefreiheit']) {
      const ok = footer && [...footer.querySelectorAll('a[href]')].some((a) => new URL(a.href).pathname === p);
      if (!ok) problems.push(`footer has no link to ${p}`);
    }
    if (!document.querySelector('a#lang-switch[href]')) problems.push('no a#lang-switch');
    if (!document.title.trim()) problems.push('empty <title>');
    if (!document.querySelector('h1')?.textContent.trim()) problems.push('no h1');
    return problems;
  });
}

// GET without any Accept-Language (the browser always sends one).
function rawGet(p, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url(p), { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.setTimeout(TIMEOUT, () => req.destroy(new Error(`timeout on ${p}`)));
    req.on('error', reject);
  });
}

// Integers in a text, thousands separators (1.234, 1 234) joined.
const ints = (s) => (String(s).replace(/(\d)[.,\u202f\u00a0 ](?=\d{3}\b)/g, '$1').match(/\d+/g) || []).map(Number);
const int = (s) => ints(s)[0] ?? NaN;
// The number of hits in p#result-count: the largest number there ("1–10 von 23 Treffern" → 23).
const hits = (s) => (ints(s).length ? Math.max(...ints(s)) : NaN);
// The count a facet link carries: its last number ("CC BY 4.0 (2)" → 2).
const facetCount = (s) => { const m = String(s).match(/(\d+)\D*$/); return m ? Number(m[1]) : NaN; };

function splitCsvLine(line) {
  const cells = []; let cur = ''; let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) { if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') q = false; else cur += ch; }
    else if (ch === '"') q = true;
    else if (ch === ',') { cells.push(cur); cur = ''; }
    else cur += ch;
  }
  cells.push(cur);
  return cells;
}

// ---- the browser ------------------------------------------------------------------------------------
function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const p of ['/usr/lib/chromium/chromium', '/usr/bin/chromium']) if (fs.existsSync(p)) return p;
  return '/usr/lib/chromium/chromium';
}

const pageErrors = [];
const brokenResources = [];
// Error pages opened on purpose (their status is the point): left out of the ≥ 400 check.
const WITHDRAWN = process.env.ODCAT_E2E_WITHDRAWN || '';
const ERROR_PAGES = [
  ['unknown URL', '/gibt/es/nicht', 404],
  ['bad parameter', '/datasets?page=0', 400],
  ...(WITHDRAWN ? [['withdrawn dataset', `/dataset/${WITHDRAWN}`, 410]] : []),
];
const withoutLang = (u) => { const x = new URL(u); x.searchParams.delete('lang'); return x.pathname + x.search; };
const expectedErrors = new Set(ERROR_PAGES.map(([, p]) => withoutLang(url(p))));
async function newContext(browser, options = {}, { trackErrors = true } = {}) {
  const ctx = await browser.newContext({
    locale: 'de-DE', viewport: { width: 1280, height: 900 }, bypassCSP: true, acceptDownloads: true, ...options,
  });
  ctx.setDefaultTimeout(TIMEOUT);
  ctx.setDefaultNavigationTimeout(TIMEOUT);
  ctx.on('page', (p) => p.on('pageerror', (e) => pageErrors.push(`${rel(p.url())}: ${e.message}`)));
  if (trackErrors) ctx.on('response', (r) => {
    const u = new URL(r.url());
    if (r.status() >= 400 && u.origin === new URL(BASE).origin && u.pathname !== '/favicon.ico'
      && !expectedErrors.has(withoutLang(r.url()))) {
      brokenResources.push(`${r.status()} ${u.pathname}${u.search} (${r.request().resourceType()})`);
    }
  });
  return ctx;
}

const axeSummary = { main: { pages: 0, violations: 0 }, other: { pages: 0, violations: 0 }, workspace: { pages: 0, violations: 0 } };
async function axeCheck(flow, page, label, which) {
  return flow.check(`axe ${label}`, async () => {
    const vs = await runAxe(page);
    axeSummary[which].pages++;
    axeSummary[which].violations += vs.length;
    assert(vs.length === 0, formatViolations(vs));
    return '0 violations';
  }, { independent: true });
}

// ---- 1. the main pages in German and English: lang, frame, content, axe -----------------------------
async function mainPages(browser, lang) {
  {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const q = lang === 'en' ? lang : undefined; // German is the default: no parameter at all
    const pages = [
      ['home', '/', async () => {
        const n = await page.evaluate(() => ({
          form: !!document.querySelector('form[role=search] input#q[name=q]'),
          submit: !!document.querySelector('form[role=search] button, form[role=search] input[type=submit]'),
          themes: document.querySelectorAll('ul#themes a').length,
          themesWithCount: [...document.querySelectorAll('ul#themes a')].filter((a) => /\d/.test(a.textContent)).length,
          newest: [...document.querySelectorAll('ol#newest a')].filter((a) => a.pathname.startsWith('/dataset/')).length,
          publishers: [...document.querySelectorAll('ul#publishers a')].filter((a) => a.pathname.startsWith('/organization/')).length,
        }));
        assert(n.form, 'no form[role=search] with input#q[name=q]');
        assert(n.submit, 'search form has no submit button');
        assert(n.themes > 0 && n.themesWithCount === n.themes, `ul#themes: ${n.themes} links, ${n.themesWithCount} with a count`);
        assert(n.newest > 0, 'ol#newest has no /dataset/ links');
        assert(n.publishers > 0, 'ul#publishers has no /organization/ links');
        return `${n.themes} themes, ${n.newest} newest, ${n.publishers} publishers`;
      }],
      ['search', `/datasets?q=${encodeURIComponent(QUERY)}`, async () => {
        await need(page, 'ol.results > li h3 a[href^="/dataset/"]');
        const n = await page.evaluate(() => ({
          count: document.querySelector('p#result-count')?.textContent || '',
          items: document.querySelectorAll('ol.results > li').length,
          links: document.querySelectorAll('ol.results > li h3 a[href^="/dataset/"]').length,
          facets: [...document.querySelectorAll('section.facet')].map((s) => ({
            links: s.querySelectorAll('a').length,
            counted: [...s.querySelectorAll('a')].filter((a) => /\d/.test(a.textContent)).length,
          })),
        }));
        const count = hits(n.count);
        assert(Number.isFinite(count), `p#result-count shows no number: "${n.count.trim()}"`);
        assert(count >= titleHits, `"${QUERY}": ${count} hits, but ${titleHits} fixture titles contain it`);
        assert(n.items >= 1 && n.links === n.items, `${n.items} results, ${n.links} with an h3 a[href^="/dataset/"]`);
        assert(n.facets.length === 5, `${n.facets.length} section.facet, expected 5 (theme, publisher, format, licence, keyword)`);
        assert(n.facets.every((x) => x.links > 0 && x.counted > 0), `facet links/with counts: ${n.facets.map((x) => `${x.links}/${x.counted}`).join(', ')}`);
        return `${count} hits for "${QUERY}", facets ${n.facets.map((x) => x.links).join('/')}`;
      }],
      ['dataset', `/dataset/${DATASET}`, async () => {
        const h1 = (await page.textContent('h1')).trim();
        const want = datasetFixture?.title?.[lang];
        assert(!want || h1 === want, `h1 "${h1}", fixture title is "${want}"`);
        await need(page, 'section#distributions');
        return `h1 "${h1}"`;
      }],
      ['sparql', '/sparql', async () => {
        const n = await page.evaluate(() => ({
          form: !!document.querySelector('form#sparql-form textarea#query') && !!document.querySelector('form#sparql-form button#run'),
          examples: document.querySelectorAll('ul#examples li a.run-example').length,
        }));
        assert(n.form, 'no form#sparql-form with textarea#query and button#run');
        assert(n.examples > 0, 'no ul#examples li a.run-example');
        return `${n.examples} examples`;
      }],
    ];
    try {
      for (const [name, p, content] of pages) {
        const pf = new Flow(`pages-${lang}`);
        const ok = await pf.check(`${name} ${p} answers 200`, () => open(page, p, q).then(() => ''));
        if (!ok) continue;
        await pf.check(`${name} html lang="${lang}"`, async () => {
          const l = await htmlLang(page);
          assert(l === lang, `<html lang="${l}">`);
        }, { independent: true });
        await pf.check(`${name} frame (skip link, landmarks, footer, lang switch)`, async () => {
          const probs = await frameProblems(page);
          assert(probs.length === 0, probs.join('; '));
        }, { independent: true });
        await pf.check(`${name} content`, content, { independent: true });
        await axeCheck(pf, page, `${name} (${lang})`, 'main');
        await shot(page, `${lang}-${name}.png`);
      }
    } finally {
      await ctx.close();
    }
  }
}

// ---- 2. search flow: home → search → facet → dataset ------------------------------------------------
async function searchFlow(browser) {
  const f = new Flow('flow');
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  let before = NaN;
  try {
    await f.check('open home', () => open(page, '/').then(() => ''), { gate: true });
    await f.check(`type "${QUERY}" into #q and submit`, async () => {
      await page.fill('#q', QUERY);
      await shot(page, 'flow-1-home.png');
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/datasets'),
        page.click('form[role=search] button, form[role=search] input[type=submit]'),
      ]);
      await need(page, 'ol.results > li', 5000);
      const u = new URL(page.url());
      assert(u.searchParams.get('q') === QUERY, `landed on ${rel(page.url())}, q is not "${QUERY}"`);
      return rel(page.url());
    });
    await f.check('results and #result-count', async () => {
      const items = await page.locator('ol.results > li').count();
      before = hits(await page.textContent('p#result-count'));
      await shot(page, 'flow-2-results.png');
      assert(items >= 1, 'no results');
      assert(Number.isFinite(before) && before >= items, `#result-count ${before} against ${items} listed results`);
      const titles = await page.locator('ol.results > li h3 a').allTextContents();
      assert(titles.some((t) => t.toLowerCase().includes(QUERY.toLowerCase())), `no result title contains "${QUERY}": ${titles.join(' | ')}`);
      return `${before} hits, ${items} listed`;
    });
    await f.check('click a facet link: hits ≤ before and = the facet count', async () => {
      const current = new URL(page.url()).searchParams;
      const link = await page.evaluate((cur) => {
        const keys = ['theme', 'publisher', 'format', 'license'];
        for (const a of document.querySelectorAll('section.facet a[href]')) {
          const p = new URL(a.href).searchParams;
          const adds = keys.find((k) => p.get(k) && !new URLSearchParams(cur).get(k));
          if (adds) {
            a.setAttribute('data-e2e-facet', '1');
            return { href: a.getAttribute('href'), text: a.textContent.trim().replace(/\s+/g, ' '), key: adds };
          }
        }
        return null;
      }, current.toString());
      assert(link, 'no facet link that adds a theme/publisher/format/license filter');
      const from = page.url();
      await Promise.all([page.waitForURL((u) => u.toString() !== from), page.click('a[data-e2e-facet]')]);
      await need(page, 'p#result-count', 5000);
      const after = hits(await page.textContent('p#result-count'));
      const items = await page.locator('ol.results > li').count();
      await shot(page, 'flow-3-facet.png');
      assert(Number.isFinite(after) && after >= 1 && after <= before, `${link.key} facet "${link.text}": ${before} → ${after} hits`);
      const promised = facetCount(link.text);
      assert(!Number.isFinite(promised) || promised === after, `facet "${link.text}" promised ${promised}, page shows ${after}`);
      assert(items >= 1, 'no results listed after the facet click');
      return `${link.key} "${link.text}": ${before} → ${after}`;
    });
    await f.check('click the first result: dataset page with h1', async () => {
      const first = page.locator('ol.results > li h3 a[href^="/dataset/"]').first();
      const title = (await first.textContent()).trim();
      await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/dataset/')), first.click()]);
      const h1 = (await page.locator('h1').first().textContent()).trim();
      await shot(page, 'flow-4-dataset.png');
      assert(h1, 'empty h1');
      assert(h1 === title, `result link "${title}", dataset h1 "${h1}"`);
      return rel(page.url());
    });
    await f.check('paging: /datasets lists all, nav.pagination leads on', async () => {
      await open(page, '/datasets');
      const total = hits(await page.textContent('p#result-count'));
      const items = await page.locator('ol.results > li').count();
      const nav = page.locator('nav.pagination');
      if (items >= total) return `${total} datasets on one page${(await nav.count()) ? '' : ' (no nav.pagination)'}`;
      assert(await nav.count(), `${items} of ${total} listed and no nav.pagination`);
      const firstTitle = await page.locator('ol.results > li h3 a').first().textContent();
      const next = nav.locator('a[rel=next], a[href*="page=2"]').first();
      assert(await next.count(), 'nav.pagination has no link to page 2');
      await Promise.all([page.waitForURL(/page=2/), next.click()]);
      await need(page, 'ol.results > li', 5000);
      const again = await page.locator('ol.results > li h3 a').first().textContent();
      assert(again !== firstTitle, 'page 2 starts with the same dataset as page 1');
      return `${total} datasets, ${items} a page`;
    });
  } finally {
    await ctx.close();
  }
}

// ---- 3. the hosted-table dataset page: downloads, preview, chart, RDF, JSON-LD ----------------------
async function datasetPage(browser) {
  const f = new Flow('dataset');
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  let header = [];
  try {
    await f.check(`open /dataset/${DATASET}`, async () => {
      await open(page, `/dataset/${DATASET}`);
      await need(page, 'section#distributions a.download[data-format="csv"]');
    }, { gate: true });
    await f.check('CSV download (click → download event)', async () => {
      const [dl] = await Promise.all([page.waitForEvent('download'), page.click('a.download[data-format="csv"]')]);
      const file = path.join(OUT, `download-${dl.suggestedFilename() || 'table.csv'}`);
      await dl.saveAs(file);
      const text = fs.readFileSync(file, 'utf8');
      assert(!text.startsWith('\ufeff'), 'CSV starts with a BOM');
      const lines = text.split(/\r?\n/).filter((l) => l.length);
      header = splitCsvLine(lines[0] || '');
      assert(header.length >= 3 && header.every((h) => h.trim()), `header "${lines[0]}" has ${header.length} column(s)`);
      assert(lines.length > 1, `${lines.length} line(s)`);
      const missing = hostedTable.columns.filter((c) => !header.includes(c));
      assert(!missing.length, `header lacks the fixture columns ${missing.join(', ')}`);
      return `${path.relative(process.cwd(), file)}: ${header.length} columns, ${lines.length - 1} data lines`;
    });
    await f.check('download links: CSV is an attachment, JSON and NDJSON parse', async () => {
      const hrefs = await page.evaluate(() => Object.fromEntries(['csv', 'json', 'ndjson'].map((fmt) => [fmt,
        document.querySelector(`section#distributions a.download[data-format="${fmt}"]`)?.href || null])));
      for (const [fmt, h] of Object.entries(hrefs)) assert(h, `no a.download[data-format="${fmt}"]`);
      const csv = await page.request.get(hrefs.csv);
      assert(/^attachment\b/i.test(csv.headers()['content-disposition'] || ''), `CSV Content-Disposition: "${csv.headers()['content-disposition']}"`);
      const json = await page.request.get(hrefs.json);
      assert(json.status() === 200, `JSON download answered ${json.status()}`);
      const parsed = JSON.parse(await json.text());
      const nd = await page.request.get(hrefs.ndjson);
      assert(nd.status() === 200, `NDJSON download answered ${nd.status()}`);
      const ndLines = (await nd.text()).split('\n').filter((l) => l.trim());
      ndLines.forEach((l, i) => { try { JSON.parse(l); } catch { throw new Failure(`NDJSON line ${i + 1} is not JSON: ${l.slice(0, 80)}`); } });
      assert(ndLines.length >= 1, 'empty NDJSON');
      return `JSON ${Array.isArray(parsed) ? parsed.length + ' rows' : 'object'}, NDJSON ${ndLines.length} rows`;
    }, { independent: true });
    await f.check('table#preview: ≤50 rows, a th per column with a type', async () => {
      await need(page, 'table#preview tbody tr');
      const n = await page.evaluate(() => ({
        th: [...document.querySelectorAll('table#preview thead th')].map((t) => t.textContent.trim().replace(/\s+/g, ' ')),
        rows: document.querySelectorAll('table#preview tbody tr').length,
        caption: !!document.querySelector('table#preview caption') || !!document.querySelector('table#preview[aria-label],table#preview[aria-labelledby]'),
      }));
      assert(n.rows >= 1 && n.rows <= 50, `${n.rows} preview rows`);
      const cols = header.length ? header : hostedTable.columns;
      const missing = cols.filter((c) => !n.th.some((t) => t.includes(c)));
      assert(!missing.length, `no th for ${missing.join(', ')}`);
      const typed = n.th.filter((t) => cols.some((c) => t.includes(c) && t.length > c.length)).length;
      assert(typed >= cols.length, `${typed} of ${cols.length} th name a type besides the column: ${n.th.slice(0, 3).join(' | ')}`);
      return `${n.rows} rows, ${n.th.length} columns, e.g. "${n.th[0]}"${n.caption ? '' : '; note: no caption/aria-label'}`;
    }, { independent: true });
    await f.check('chart (figure.chart svg), if any', async () => {
      const n = await page.evaluate(() => [...document.querySelectorAll('figure.chart')].map((fig) => ({
        svg: !!fig.querySelector('svg'),
        marks: fig.querySelectorAll('svg rect, svg path, svg circle, svg line, svg polyline').length,
        caption: (fig.querySelector('figcaption')?.textContent || '').trim(),
        name: fig.querySelector('svg')?.getAttribute('aria-label') || fig.querySelector('svg title')?.textContent || fig.querySelector('svg')?.getAttribute('aria-labelledby') || '',
      })));
      if (!n.length) return 'no chart on this page (lenient: not required)';
      for (const c of n) {
        assert(c.svg && c.marks > 0, `figure.chart without an svg with marks (${c.marks})`);
        assert(c.caption || c.name, 'figure.chart has neither a figcaption nor an accessible name on the svg');
      }
      return `${n.length} chart(s): ${n.map((c) => `"${(c.caption || c.name).slice(0, 50)}" ${c.marks} marks`).join('; ')}`;
    }, { independent: true });
    await f.check('RDF links ttl/jsonld/rdf/nt answer with RDF', async () => {
      const types = { ttl: /turtle/, jsonld: /ld\+json/, rdf: /rdf\+xml/, nt: /n-triples|text\/plain/ };
      const got = [];
      for (const [fmt, re] of Object.entries(types)) {
        const href = await page.evaluate((x) => document.querySelector(`a[data-rdf="${x}"]`)?.href, fmt);
        assert(href, `no a[data-rdf="${fmt}"]`);
        const r = await page.request.get(href);
        const ct = r.headers()['content-type'] || '';
        assert(r.status() === 200 && re.test(ct), `${fmt}: ${r.status()} ${ct} from ${rel(href)}`);
        assert((await r.body()).length > 0, `${fmt}: empty body`);
        got.push(`${fmt} ${ct.split(';')[0]}`);
      }
      return got.join(', ');
    }, { independent: true });
    await f.check('a#sparql-link, link rel=alternate text/turtle', async () => {
      const n = await page.evaluate(() => ({
        sparql: document.querySelector('a#sparql-link')?.href || '',
        alt: document.querySelector('head link[rel~="alternate"][type="text/turtle"]')?.href || '',
      }));
      assert(n.sparql && new URL(n.sparql).pathname.startsWith('/sparql'), `a#sparql-link href "${n.sparql}"`);
      assert(n.alt, 'no <link rel="alternate" type="text/turtle"> in <head>');
      const r = await page.request.get(n.alt);
      assert(r.status() === 200, `alternate ${rel(n.alt)} answered ${r.status()}`);
      return `turtle at ${rel(n.alt)}`;
    }, { independent: true });
    await f.check('JSON-LD: schema.org Dataset with a name', async () => {
      const blocks = await page.evaluate(() => [...document.querySelectorAll('script[type="application/ld+json"]')].map((s) => s.textContent));
      assert(blocks.length, 'no <script type="application/ld+json">');
      const nodes = [];
      for (const b of blocks) {
        let j;
        try { j = JSON.parse(b); } catch (e) { throw new Failure(`ld+json does not parse: ${e.message}`); }
        for (const x of [j].flat()) { nodes.push(x); if (x && Array.isArray(x['@graph'])) nodes.push(...x['@graph']); }
      }
      const isDataset = (t) => [t].flat().some((x) => ['Dataset', 'schema:Dataset', 'https://schema.org/Dataset', 'http://schema.org/Dataset'].includes(x));
      const ds = nodes.find((x) => x && isDataset(x['@type']));
      assert(ds, `no @type Dataset among ${nodes.map((x) => x?.['@type']).join(', ')}`);
      const ctxOk = JSON.stringify(ds['@context'] ?? blocks.join('')).includes('schema.org');
      assert(ctxOk, '@context is not schema.org');
      const name = typeof ds.name === 'string' ? ds.name : [ds.name].flat().map((n) => n?.['@value'] ?? n).join(' ');
      assert(name && name.trim(), 'Dataset has no name');
      return `Dataset "${name}"`;
    }, { independent: true });
  } finally {
    await ctx.close();
  }
}

// ---- 4. SPARQL page ---------------------------------------------------------------------------------
async function sparql(browser) {
  const f = new Flow('sparql');
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  try {
    await f.check('open /sparql', () => open(page, '/sparql').then(() => ''), { gate: true });
    await f.check('first example runs and shows table#sparql-results rows', async () => {
      const ex = page.locator('ul#examples li a.run-example').first();
      const label = (await ex.textContent()).trim();
      await page.evaluate(() => document.querySelector('table#sparql-results')?.setAttribute('data-e2e-stale', '1'));
      await ex.click();
      await page.waitForSelector('table#sparql-results:not([data-e2e-stale]) tbody tr');
      const rows = await page.locator('table#sparql-results tbody tr').count();
      await shot(page, 'sparql-example.png');
      assert(rows >= 1, 'no result rows');
      return `"${label}": ${rows} row(s)`;
    });
    await f.check('COUNT of dcat:Dataset via #query and #run', async () => {
      await open(page, '/sparql');
      await page.fill('textarea#query', 'SELECT (COUNT(*) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }');
      await page.evaluate(() => document.querySelector('table#sparql-results')?.setAttribute('data-e2e-stale', '1'));
      await page.click('button#run');
      await page.waitForSelector('table#sparql-results:not([data-e2e-stale]) tbody tr');
      const rows = await page.locator('table#sparql-results tbody tr').allTextContents();
      await shot(page, 'sparql-count.png');
      assert(rows.length === 1, `${rows.length} rows, expected 1`);
      const n = int(rows[0]);
      assert(n > 0, `row "${rows[0].trim()}" holds no number > 0`);
      const want = fixtures?.datasets?.filter((d) => d.status === 'published').length;
      return `?n = ${n}${want ? ` (fixtures: ${want} published)` : ''}`;
    });
  } finally {
    await ctx.close();
  }
}

// ---- 5. keyboard: skip link, focus ------------------------------------------------------------------
async function keyboard(browser) {
  const f = new Flow('keyboard');
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  const focusInfo = () => page.evaluate(() => {
    const el = document.activeElement;
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return {
      tag: el.tagName.toLowerCase(), id: el.id, skip: el.matches('a.skip-link'), href: el.getAttribute('href'), hash: location.hash,
      inMain: !!el.closest('main#main'), isMain: el.matches('main#main'),
      box: { w: r.width, h: r.height, top: r.top, left: r.left, right: r.right, bottom: r.bottom },
      vw: innerWidth, vh: innerHeight,
      clip: s.clip, clipPath: s.clipPath, opacity: s.opacity, visibility: s.visibility,
      outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`, outlineStyle: s.outlineStyle,
      outlineWidth: parseFloat(s.outlineWidth), boxShadow: s.boxShadow,
      html: el.outerHTML.slice(0, 80),
    };
  });
  const outlined = (i) => (i.outlineStyle !== 'none' && i.outlineWidth > 0) || (i.boxShadow && i.boxShadow !== 'none');
  try {
    await f.check('open home', () => open(page, '/').then(() => ''), { gate: true });
    await f.check('Tab once: the skip link has focus and is visible', async () => {
      await page.keyboard.press('Tab');
      const i = await focusInfo();
      assert(i.skip && i.href === '#main', `focus on ${i.html}`);
      const onScreen = i.box.w > 1 && i.box.h > 1 && i.box.right > 0 && i.box.bottom > 0 && i.box.left < i.vw && i.box.top < i.vh;
      assert(onScreen, `skip link box ${JSON.stringify(i.box)} is not on screen`);
      assert(i.visibility !== 'hidden' && Number(i.opacity) > 0.5 && !/rect\(0(px)?,? 0/.test(i.clip) && !/inset\(50%\)/.test(i.clipPath),
        `skip link hidden by style: clip ${i.clip}, clip-path ${i.clipPath}, opacity ${i.opacity}`);
      await shot(page, 'keyboard-skip-link.png');
      assert(outlined(i), `focused skip link has no outline (${i.outline}) and no box-shadow`);
      return `${Math.round(i.box.w)}×${Math.round(i.box.h)} at ${Math.round(i.box.left)},${Math.round(i.box.top)}, outline ${i.outline}`;
    });
    await f.check('Enter: #main is the target, next Tab lands inside main', async () => {
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => location.hash === '#main' || document.activeElement?.matches('main#main'), null, { timeout: 3000 })
        .catch(() => { throw new Failure(`after Enter: hash "${new URL(page.url()).hash}", focus not on main`); });
      const i = await focusInfo();
      const top = await page.evaluate(() => document.querySelector('main#main').getBoundingClientRect().top);
      assert(i.isMain || i.inMain || i.hash === '#main', `focus ${i.html}, hash "${i.hash}", main top ${top}`);
      await page.keyboard.press('Tab');
      const n = await focusInfo();
      assert(n.inMain, `Tab after the skip link went to ${n.html}, outside main`);
      return `focus ${i.isMain ? 'on main' : 'moved to #main'}, then ${n.tag}${n.id ? '#' + n.id : ''}`;
    });
    await f.check('a focused link in main has a visible outline', async () => {
      let i;
      for (let k = 0; k < 40; k++) {
        i = await focusInfo();
        if (i.tag === 'a' && i.inMain) break;
        await page.keyboard.press('Tab');
      }
      assert(i.tag === 'a' && i.inMain, 'no link in main reached with Tab');
      await shot(page, 'keyboard-focus.png');
      assert(outlined(i), `focused ${i.html} has outline "${i.outline}" and box-shadow "${i.boxShadow}"`);
      return `${i.html.replace(/>.*/, '>')} outline ${i.outline}`;
    });
  } finally {
    await ctx.close();
  }
}

// ---- 5b. error pages: HTML in the page's language, axe-clean, for an unknown URL, a bad parameter ----
// and a withdrawn dataset
async function errorPages(browser, lang) {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  const words = {
    de: { 404: 'Seite nicht gefunden', 400: 'Ungültige Anfrage', 410: 'Datensatz zurückgezogen' },
    en: { 404: 'Page not found', 400: 'Bad request', 410: 'Dataset withdrawn' },
  }[lang];
  try {
    for (const [name, p, status] of ERROR_PAGES) {
      const f = new Flow(`errors-${lang}`);
      const ok = await f.check(`${name} ${p} answers ${status} with an HTML page`, async () => {
        const res = await page.goto(url(p, lang === 'en' ? 'en' : undefined), { waitUntil: 'load' });
        assert(res, `no response for ${p}`);
        assert(res.status() === status, `GET ${rel(res.url())} answered ${res.status()}`);
        const type = res.headers()['content-type'] || '';
        assert(/^text\/html/.test(type), `GET ${rel(res.url())} answered ${type || 'no content-type'}, not text/html`);
        const h1 = ((await page.locator('h1').first().textContent().catch(() => '')) || '').trim();
        assert(h1 === words[status], `h1 "${h1}", expected "${words[status]}"`);
        return `"${h1}"`;
      });
      if (!ok) continue;
      await f.check(`${name} html lang="${lang}"`, async () => {
        const l = await htmlLang(page);
        assert(l === lang, `<html lang="${l}">`);
      }, { independent: true });
      await f.check(`${name} frame (skip link, landmarks, footer, lang switch)`, async () => {
        const probs = await frameProblems(page);
        assert(probs.length === 0, probs.join('; '));
      }, { independent: true });
      await f.check(`${name} content`, async () => {
        const n = await page.evaluate(() => ({
          search: !!document.querySelector('form[role=search] input#q'),
          parameter: document.querySelector('#error-parameter')?.textContent || '',
          withdrawn: document.querySelector('#withdrawn-title')?.textContent || '',
          when: document.querySelector('.withdrawn time')?.getAttribute('datetime') || '',
        }));
        assert(n.search, 'no search form on the error page');
        if (status === 400) assert(n.parameter.includes('page') && n.parameter.includes('0'), `#error-parameter "${n.parameter}"`);
        if (status === 410) assert(n.withdrawn && n.when, `withdrawn title "${n.withdrawn}", date "${n.when}"`);
        return n.parameter || n.withdrawn || 'search form';
      }, { independent: true });
      await axeCheck(f, page, `${name} (${lang})`, 'other');
      await shot(page, `${lang}-error-${status}.png`);
    }
  } finally {
    await ctx.close();
  }
}

// ---- 6. phone width ---------------------------------------------------------------------------------
async function phone(browser) {
  const f = new Flow('phone');
  const ctx = await newContext(browser, { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = await ctx.newPage();
  try {
    for (const [name, p] of [['home', '/'], ['search', '/datasets'], ['search', `/datasets?q=${encodeURIComponent(QUERY)}`], ['dataset', `/dataset/${DATASET}`], ['sparql', '/sparql'], ['error', '/gibt/es/nicht']]) {
      await f.check(`${name} ${p}: 375 px wide, no horizontal scroll`, async () => {
        if (name === 'error') await page.goto(url(p), { waitUntil: 'load' });
        else await open(page, p);
        // With isMobile, Chromium widens the layout viewport to content that does not fit, so an
        // innerWidth above 375 is overflow too.
        const n = await page.evaluate((W) => ({
          sw: document.documentElement.scrollWidth, iw: innerWidth,
          meta: document.querySelector('meta[name=viewport]')?.content || '',
          // On overflow: the outermost elements that stick out and are not inside a scrolling box.
          // sticks out: its box ends right of the phone, or its content (a long word) overflows its box
          wide: Math.max(innerWidth, document.documentElement.scrollWidth) <= W + 1 ? [] : (() => {
            const out = (el) => {
              for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
                if (getComputedStyle(a).overflowX !== 'visible') return false; // inside a scrolling box: fine
              }
              return el.getBoundingClientRect().right > W + 1
                || (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible' && el.clientWidth > 0);
            };
            return [...document.querySelectorAll('body *')].filter((el) => out(el) && ![...el.children].some(out))
              .slice(0, 4).map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/)[0] : '')
                + ` "${el.textContent.trim().replace(/\s+/g, ' ').slice(0, 40)}" (${Math.round(el.getBoundingClientRect().left + el.scrollWidth)} px)`);
          })(),
        }), 375);
        await shot(page, `phone-${name}${p.includes('?') ? '-query' : ''}.png`);
        assert(/width=device-width/.test(n.meta), `meta viewport "${n.meta}"`);
        const wide = n.wide.length ? '; sticking out: ' + n.wide.join(', ') : '';
        assert(n.iw === 375, `content wider than the phone: the layout viewport grew to ${n.iw} px${wide}`);
        assert(n.sw <= n.iw + 1, `scrollWidth ${n.sw} > innerWidth ${n.iw}${wide}`);
        return `scrollWidth ${n.sw}`;
      }, { independent: true });
      if (name !== 'search') continue;
      await f.check(`search ${p}: the first result is within the first screen, the filters after the results`, async () => {
        const n = await page.evaluate(() => {
          const first = document.querySelector('ol.results > li h3 a');
          const filters = document.querySelector('nav#filters');
          const r = first?.getBoundingClientRect();
          return {
            bottom: r ? r.bottom + scrollY : NaN, vh: innerHeight,
            order: first && filters ? first.compareDocumentPosition(filters) & Node.DOCUMENT_POSITION_FOLLOWING : 0,
            foldable: document.querySelectorAll('nav#filters details > summary').length,
          };
        });
        const tag = p.includes('?') ? '-query' : '';
        await page.screenshot({ path: path.join(OUT, `phone-search${tag}-first-screen.png`) });
        await page.locator('nav#filters').screenshot({ path: path.join(OUT, `phone-search${tag}-filters.png`) });
        assert(n.bottom <= n.vh, `the first result's title ends ${Math.round(n.bottom)} px down, the screen is ${n.vh} px`);
        assert(n.order, 'nav#filters comes before the results');
        assert(n.foldable >= 1, 'no foldable facet (details > summary) in nav#filters');
        return `first result ends at ${Math.round(n.bottom)} of ${n.vh} px; ${n.foldable} foldable facets`;
      }, { independent: true });
      await f.check(`search ${p}: facet counts stay on one line, titles hyphenate`, async () => {
        const n = await page.evaluate(() => {
          const counts = [...document.querySelectorAll('nav#filters .count')];
          // The digits' line boxes: more than one, or a box taller than two lines, is a wrap.
          const broken = counts.filter((c) => {
            const range = document.createRange();
            range.selectNodeContents(c);
            const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
            return lines.size !== 1 || c.getBoundingClientRect().height > parseFloat(getComputedStyle(c).fontSize) * 2.2;
          }).map((c) => c.textContent.trim());
          const title = document.querySelector('ol.results > li h3');
          return { counts: counts.length, broken, hyphens: title ? getComputedStyle(title).hyphens : '', lang: document.documentElement.lang };
        });
        assert(n.counts > 0, 'no .count badges in nav#filters');
        assert(!n.broken.length, `count badges wrapped: ${n.broken.join(', ')}`);
        assert(n.hyphens === 'auto' && n.lang, `result titles: hyphens ${n.hyphens}, <html lang="${n.lang}">`);
        return `${n.counts} badges on one line; hyphens ${n.hyphens}`;
      }, { independent: true });
    }
  } finally {
    await ctx.close();
  }
}

// ---- 7. language: parameter, cookie, switch link, Accept-Language ------------------------------------
async function language(browser) {
  const f = new Flow('lang');
  await f.check('no Accept-Language, no cookie: German', async () => {
    const r = await rawGet('/');
    assert(r.status === 200, `GET / answered ${r.status}`);
    const m = r.body.match(/<html[^>]*\blang="([^"]*)"/i);
    assert(m && m[1] === 'de', `<html lang="${m?.[1]}">`);
  }, { independent: true });
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  try {
    await f.check('/?lang=en gives English and a cookie', async () => {
      await open(page, '/', 'en');
      assert((await htmlLang(page)) === 'en', `<html lang="${await htmlLang(page)}">`);
      const cookies = await ctx.cookies();
      assert(cookies.length, 'no cookie set');
      return `cookie ${cookies.map((c) => c.name).join(', ')}`;
    });
    await f.check('/datasets without the parameter stays English', async () => {
      await open(page, '/datasets');
      assert((await htmlLang(page)) === 'en', `<html lang="${await htmlLang(page)}">`);
    });
    await f.check('a#lang-switch on an English page goes to German (and stays)', async () => {
      const before = page.url();
      await Promise.all([page.waitForURL((u) => u.toString() !== before), page.click('a#lang-switch')]);
      await page.waitForSelector('main#main');
      assert((await htmlLang(page)) === 'de', `after the switch <html lang="${await htmlLang(page)}">`);
      await open(page, '/');
      assert((await htmlLang(page)) === 'de', `next page <html lang="${await htmlLang(page)}">`);
      await shot(page, 'lang-switched-de.png');
    });
    await f.check('a#lang-switch on a German page goes to English', async () => {
      const before = page.url();
      await Promise.all([page.waitForURL((u) => u.toString() !== before), page.click('a#lang-switch')]);
      await page.waitForSelector('main#main');
      assert((await htmlLang(page)) === 'en', `after the switch <html lang="${await htmlLang(page)}">`);
    });
    await f.check('?lang=de switches back for later pages', async () => {
      await open(page, '/datasets', 'de');
      assert((await htmlLang(page)) === 'de', `<html lang="${await htmlLang(page)}">`);
      await open(page, '/');
      assert((await htmlLang(page)) === 'de', `next page <html lang="${await htmlLang(page)}">`);
    });
  } finally {
    await ctx.close();
  }
  const en = await newContext(browser, { locale: 'en', extraHTTPHeaders: { 'Accept-Language': 'en' } });
  try {
    const p = await en.newPage();
    await f.check('Accept-Language: en without cookie gives English home', async () => {
      await open(p, '/');
      assert((await htmlLang(p)) === 'en', `<html lang="${await htmlLang(p)}">`);
      await shot(p, 'accept-language-en-home.png');
    }, { independent: true });
  } finally {
    await en.close();
  }
}

// ---- 8. the other pages in both languages -----------------------------------------------------------
async function otherPages(browser, lang) {
  const specific = {
    organization: async (page) => {
      const n = await page.locator('ol.results > li h3 a[href^="/dataset/"], ol.results > li a[href^="/dataset/"]').count();
      assert(n >= 1, 'no datasets in ol.results');
      const want = fixtures?.datasets?.filter((d) => d.publisher === PUBLISHER).length;
      return `${n} datasets${want ? ` (fixtures: ${want})` : ''}`;
    },
    api: async (page) => {
      const n = await page.evaluate(() => ({
        openapi: [...document.querySelectorAll('a[href]')].some((a) => new URL(a.href).pathname === '/api/v1/openapi.json'),
        curl: [...document.querySelectorAll('pre')].filter((p) => /\bcurl\b/.test(p.textContent)).length,
      }));
      assert(n.openapi, 'no link to /api/v1/openapi.json');
      assert(n.curl >= 1, 'no curl example in a <pre>');
      return `${n.curl} curl examples`;
    },
  };
  {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    try {
      for (const [name, p] of [['organization', `/organization/${PUBLISHER}`], ['api', '/api'], ['impressum', '/impressum'], ['barrierefreiheit', '/barrierefreiheit'], ['qualitaet', '/qualitaet']]) {
        const f = new Flow(`other-${lang}`);
        const ok = await f.check(`${name} ${p} answers 200 with an h1`, async () => {
          await open(page, p, lang === 'en' ? 'en' : undefined);
          const h1 = ((await page.locator('h1').first().textContent().catch(() => '')) || '').trim();
          assert(h1, 'no h1');
          return `"${h1}"`;
        });
        if (!ok) continue;
        await f.check(`${name} html lang="${lang}"`, async () => {
          const l = await htmlLang(page);
          assert(l === lang, `<html lang="${l}">`);
        }, { independent: true });
        await f.check(`${name} frame (skip link, landmarks, footer, lang switch)`, async () => {
          const probs = await frameProblems(page);
          assert(probs.length === 0, probs.join('; '));
        }, { independent: true });
        if (specific[name]) await f.check(`${name} content`, () => specific[name](page), { independent: true });
        await axeCheck(f, page, `${name} (${lang})`, 'other');
        await shot(page, `${lang}-${name}.png`);
      }
    } finally {
      await ctx.close();
    }
  }
}

// ---- 9. the publisher workspace: sign in, publish, conflict, CSRF, sign out; axe on every page ------
const EDITOR_TOKEN = process.env.ODCAT_E2E_EDITOR_TOKEN || '';
const ADMIN_TOKEN = process.env.ODCAT_E2E_ADMIN_TOKEN || '';
const WS_SLUG = 'e2e-verwaltung-haushalt';
const WS_TITLE = 'Haushaltsplan 2027 (Arbeitsbereich)';

async function signIn(page, token, area = '/verwaltung') {
  await page.goto(url(area), { waitUntil: 'load' });
  const signInPath = area === '/manage' ? '/manage/sign-in' : '/verwaltung/anmelden';
  assert(new URL(page.url()).pathname === signInPath, `${area} led to ${rel(page.url())}, not ${signInPath}`);
  await page.focus('#token');
  await page.keyboard.type(token);
  await Promise.all([page.waitForURL((u) => u.pathname === area), page.keyboard.press('Enter')]);
}

// Submits the confirmation form on `page` by keyboard (focus the button, Enter); the answer's status.
async function confirmByKeyboard(page) {
  await page.focus('form.button-row button[type=submit]');
  // The answer to the form, after any redirect.
  const [res] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  return res.status();
}

async function workspaceFlow(browser) {
  const f = new Flow('workspace');
  if (!EDITOR_TOKEN || !ADMIN_TOKEN) {
    report('skip', 'workspace', 'all', 'set ODCAT_E2E_EDITOR_TOKEN and ODCAT_E2E_ADMIN_TOKEN');
    return;
  }
  // Refusals (422, 409, 403) are what some steps look for: not counted as broken requests.
  const ctx = await newContext(browser, {}, { trackErrors: false });
  const page = await ctx.newPage();
  let id = '';
  try {
    await f.check('without a session /verwaltung leads to the sign-in page', async () => {
      const res = await page.goto(url('/verwaltung'), { waitUntil: 'load' });
      assert(new URL(page.url()).pathname === '/verwaltung/anmelden', `landed on ${rel(page.url())}`);
      assert(res.status() === 200, `sign-in page answered ${res.status()}`);
      assert((res.headers()['cache-control'] || '') === 'no-store', `Cache-Control "${res.headers()['cache-control']}"`);
    }, { gate: true });
    await f.check('a wrong token: error summary linked to the field, field marked', async () => {
      await page.focus('#token');
      await page.keyboard.type('odcat_' + '0'.repeat(64));
      const [res] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      assert(res.status() === 422, `answered ${res.status()}`);
      const n = await page.evaluate(() => ({
        link: document.querySelector('.error-summary a[href="#token"]')?.textContent || '',
        invalid: document.querySelector('#token')?.getAttribute('aria-invalid'),
        described: document.querySelector('#token')?.getAttribute('aria-describedby'),
      }));
      assert(n.link.includes('kennt odcat nicht'), `summary link "${n.link}"`);
      assert(n.invalid === 'true' && n.described === 'token-error', `aria-invalid ${n.invalid}, aria-describedby ${n.described}`);
      await page.click('.error-summary a[href="#token"]');
      assert(await page.evaluate(() => document.activeElement?.id) === 'token', 'the summary link does not move focus to the field');
      await shot(page, 'workspace-sign-in-error.png');
    }, { independent: true });
    await axeCheck(f, page, 'workspace sign-in with an error (de)', 'workspace');
    await f.check('signs in by keyboard and sees "Meine Datensätze"', async () => {
      await page.fill('#token', '');
      await signIn(page, EDITOR_TOKEN);
      const h1 = (await page.locator('h1').textContent()).trim();
      assert(h1 === 'Meine Datensätze', `h1 "${h1}"`);
      const probs = (await frameProblems(page)).filter((p) => !p.includes('lang-switch'));
      assert(probs.length === 0, probs.join('; '));
    }, { gate: true });
    await f.check('a new draft in the form: a bad e-mail address is shown at its field', async () => {
      await Promise.all([page.waitForURL(/\/datensaetze\/neu$/), page.click('a.button[href$="/datensaetze/neu"]')]);
      await page.fill('#title_de', WS_TITLE);
      await page.fill('#title_en', 'Budget 2027 (workspace)');
      await page.fill('#description_de', 'Der **Haushaltsplan** der Stadt Wuppertal für 2027.');
      await page.fill('#keywords_de', 'Haushalt\nFinanzen');
      await page.check('input[name=themes][value=GOVE]');
      await page.fill('#slug', WS_SLUG);
      await page.selectOption('#license', 'http://dcat-ap.de/def/licenses/dl-by-de/2.0');
      await page.fill('#license_attribution', 'Stadt Wuppertal');
      await page.selectOption('#accrual_periodicity', 'http://publications.europa.eu/resource/authority/frequency/ANNUAL');
      await page.fill('#temporal_start', '2027-01-01');
      await page.fill('#temporal_end', '2027-12-31');
      await page.fill('#description_en', 'The budget of the city of Wuppertal for 2027.');
      await page.fill('#keywords_en', 'budget');
      await page.check('input[name=themes][value=ECON]');
      await page.check('input[name=access_rights][value$="/PUBLIC"]');
      await page.selectOption('#availability', { index: 3 });
      await page.selectOption('#geocoding_level', 'http://dcat-ap.de/def/politicalGeocoding/Level/municipality');
      await page.fill('#issued', '2026-12-01');
      await page.fill('#modified', '2026-12-06T10:15:00+01:00');
      await page.fill('#contact_point_name', 'Kämmerei');
      await page.fill('#contact_point_email', 'kaemmerei(at)wuppertal');
      await page.fill('#contact_point_telephone', '+49 202 563-0');
      await page.fill('#contact_point_url', 'https://www.wuppertal.de/kaemmerei');
      await page.check('input[name=languages][value=ENG]');
      await page.fill('#landing_page', 'https://www.wuppertal.de/haushalt');
      await page.fill('#conforms_to', 'https://example.org/schema/haushalt');
      await page.fill('#version', '1.0');
      await page.fill('#identifier', 'https://www.wuppertal.de/opendata/haushaltsplan-2027');
      await page.fill('#contributor_id', 'http://dcat-ap.de/def/contributors/openNRW');
      await page.fill('#dist0_title_en', 'Budget as CSV');
      await page.fill('#dist0_download_url', 'https://www.wuppertal.de/haushalt-2027.csv');
      await page.fill('#dist0_media_type', 'https://www.iana.org/assignments/media-types/text/csv');
      await page.fill('#dist0_byte_size', '123456');
      await page.selectOption('#dist0_checksum', 'sha256');
      await page.fill('#dist0_checksum_value', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
      await page.fill('#dist0_description_de', 'Alle Produkte des Haushalts.');
      await page.selectOption('#dist0_license', 'http://dcat-ap.de/def/licenses/dl-by-de/2.0');
      await page.selectOption('#dist0_availability', { index: 3 });
      await page.fill('#dist0_rights_de', 'Quelle: Stadt Wuppertal');
      await page.fill('#dist0_issued', '2026-12-01');
      await page.fill('#dist0_title_de', 'Haushaltsplan als CSV');
      await page.selectOption('#dist0_format', 'CSV');
      await page.fill('#dist0_access_url', 'https://www.wuppertal.de/haushalt-2027.csv');
      const [res] = await Promise.all([page.waitForNavigation(), page.click('button[name=intent][value=save]')]);
      assert(res.status() === 422, `saving answered ${res.status()}`);
      const n = await page.evaluate(() => ({
        link: !!document.querySelector('.error-summary a[href="#contact_point_email"]'),
        message: document.querySelector('#contact_point_email-error')?.textContent || '',
        invalid: document.querySelector('#contact_point_email')?.getAttribute('aria-invalid'),
        kept: document.querySelector('#title_de')?.value,
      }));
      assert(n.link && n.message && n.invalid === 'true', `summary link ${n.link}, message "${n.message}", aria-invalid ${n.invalid}`);
      assert(n.kept === WS_TITLE, `the title was not kept: "${n.kept}"`);
      await page.click('.error-summary a[href="#contact_point_email"]');
      assert(await page.evaluate(() => document.activeElement?.id) === 'contact_point_email', 'the summary link does not focus the field');
      await shot(page, 'workspace-form-error.png');
    }, { gate: true });
    await axeCheck(f, page, 'workspace form with an error (de)', 'workspace');
    await f.check('the preview shows the page without saving', async () => {
      await page.fill('#contact_point_email', 'kaemmerei@stadt.wuppertal.de');
      await Promise.all([page.waitForNavigation(), page.click('button[name=intent][value=preview]')]);
      const text = await page.locator('section.preview').textContent();
      assert(text.includes(WS_TITLE) && text.includes('Datenlizenz Deutschland Namensnennung 2.0'), 'the preview lacks the title or the licence');
      await shot(page, 'workspace-form-preview.png');
    });
    await axeCheck(f, page, 'workspace form preview (de)', 'workspace');
    await f.check('the draft is saved and listed with its status', async () => {
      const [res] = await Promise.all([page.waitForNavigation(), page.click('button[name=intent][value=save]')]);
      assert(res.status() === 200 && /done=saved/.test(page.url()), `saving led to ${rel(page.url())} (${res.status()})`);
      id = page.url().match(/datensaetze\/([0-9a-f-]{36})\/bearbeiten/)?.[1] || '';
      assert(id, `no dataset id in ${rel(page.url())}`);
      await open(page, '/verwaltung?status=draft');
      const row = page.locator('table.workspace-list tbody tr', { hasText: WS_TITLE });
      assert(await row.count() === 1, `no row "${WS_TITLE}" among the drafts`);
      assert((await row.textContent()).includes('Entwurf'), 'the row does not say "Entwurf"');
      const doc = await fetch(url(`/api/v1/datasets/${id}`), { headers: { authorization: `Bearer ${EDITOR_TOKEN}` } }).then((x) => x.json());
      const d0 = doc.distributions?.[0] || {};
      const stored = {
        email: doc.contact_point?.email, telephone: doc.contact_point?.telephone, end: doc.temporal?.end,
        modified: doc.modified, themes: doc.themes?.length, languages: doc.languages?.length, version: doc.version,
        conforms: doc.conforms_to?.[0], access: d0.access_url, size: d0.byte_size, checksum: d0.checksum?.algorithm,
        rights: d0.rights?.de, license: d0.license, identifier: doc.identifier, contributor: doc.contributor_id,
        title_en: doc.title?.en, description_en: doc.description?.en, keywords_en: doc.keywords?.en?.[0],
        access_rights: doc.access_rights, level: doc.geocoding_level, issued: doc.issued,
        landing: doc.landing_page, d_title_en: d0.title?.en, d_download: d0.download_url, d_media: d0.media_type,
        d_description: d0.description?.de, d_issued: d0.issued,
      };
      const want = {
        email: 'kaemmerei@stadt.wuppertal.de', telephone: '+49 202 563-0', end: '2027-12-31',
        modified: '2026-12-06T10:15:00+01:00', themes: 2, languages: 2, version: '1.0',
        conforms: 'https://example.org/schema/haushalt', access: 'https://www.wuppertal.de/haushalt-2027.csv', size: 123456,
        checksum: 'sha256', rights: 'Quelle: Stadt Wuppertal', license: 'http://dcat-ap.de/def/licenses/dl-by-de/2.0',
        identifier: 'https://www.wuppertal.de/opendata/haushaltsplan-2027',
        contributor: 'http://dcat-ap.de/def/contributors/openNRW',
        title_en: 'Budget 2027 (workspace)', description_en: 'The budget of the city of Wuppertal for 2027.', keywords_en: 'budget',
        access_rights: 'http://publications.europa.eu/resource/authority/access-right/PUBLIC',
        level: 'http://dcat-ap.de/def/politicalGeocoding/Level/municipality', issued: '2026-12-01',
        landing: 'https://www.wuppertal.de/haushalt', d_title_en: 'Budget as CSV',
        d_download: 'https://www.wuppertal.de/haushalt-2027.csv', d_media: 'https://www.iana.org/assignments/media-types/text/csv',
        d_description: 'Alle Produkte des Haushalts.', d_issued: '2026-12-01',
      };
      assert(JSON.stringify(stored) === JSON.stringify(want), `stored ${JSON.stringify(stored)}`);
      await shot(page, 'workspace-list-drafts.png');
    }, { gate: true });
    await f.check('a hosted table is added in the form and the German cp1252 ";" file uploaded: types shown before loading', async () => {
      await open(page, `/verwaltung/datensaetze/${id}/bearbeiten`);
      const n = await page.evaluate(() => document.querySelectorAll('fieldset.distribution').length);
      const blank = `dist${n - 1}`;
      await page.fill(`#${blank}_title_de`, 'Haushalt als Tabelle');
      await page.selectOption(`#${blank}_format`, 'CSV');
      await page.check(`input[name=${blank}_kind][value=hosted_table]`);
      await Promise.all([page.waitForNavigation(), page.click('button[name=intent][value=save]')]);
      assert(/done=saved/.test(page.url()), `saving the table led to ${rel(page.url())}`);
      await Promise.all([page.waitForNavigation(), page.click('a[href*="/tabelle/"]')]);
      await shot(page, 'workspace-upload.png');
      await page.setInputFiles('#file', path.join(HERE, 'haushalt-cp1252.csv'));
      const [res] = await Promise.all([page.waitForNavigation(), page.click('form[enctype] button[type=submit]')]);
      assert(res.status() === 200, `checking the file answered ${res.status()}`);
      const found = await page.evaluate(() => ({
        encoding: document.querySelector('#detected-encoding')?.textContent,
        delimiter: document.querySelector('#detected-delimiter')?.textContent,
        rows: document.querySelector('#detected-rows')?.textContent,
        types: [...document.querySelectorAll('table.detected select')].map((s) => s.value),
        names: [...document.querySelectorAll('table.detected tbody th')].map((t) => t.textContent),
      }));
      assert(found.encoding === 'Windows-1252' && /Semikolon/.test(found.delimiter) && found.rows === '3',
        `found ${JSON.stringify(found)}`);
      assert(JSON.stringify(found.types) === JSON.stringify(['text', 'text', 'decimal', 'date', 'boolean']), `types ${found.types}`);
      assert(found.names.includes('Maßnahme') && found.names.includes('Gefördert'), `names ${found.names}`);
      await shot(page, 'workspace-upload-preview.png');
      return `${found.encoding}, ${found.delimiter}, ${found.rows} rows, ${found.types.join('/')}`;
    });
    await axeCheck(f, page, 'workspace upload preview (de)', 'workspace');
    await f.check('a column type is adjusted, the load confirmed, and its progress followed to the end', async () => {
      await page.selectOption('#type_3', 'text');
      await Promise.all([page.waitForURL(/fortschritt/), page.click('main form button[type=submit]')]);
      await page.waitForSelector('#load-outcome', { timeout: 10_000 });
      const outcome = await page.locator('#load-outcome').textContent();
      assert(/3 Zeilen geladen/.test(outcome), `outcome "${outcome}"`);
      const doc = await fetch(url(`/api/v1/datasets/${id}`), { headers: { authorization: `Bearer ${EDITOR_TOKEN}` } }).then((x) => x.json());
      const table = doc.distributions.find((d) => d.kind === 'hosted_table')?.data_table;
      assert(table?.row_count === 3, `row_count ${table?.row_count}`);
      assert(table.columns.map((c) => c.type).join() === 'text,text,decimal,text,boolean', `types ${table.columns.map((c) => c.type)}`);
      await shot(page, 'workspace-upload-done.png');
    });
    await axeCheck(f, page, 'workspace upload progress (de)', 'workspace');
    await f.check('back to the list of drafts', () => open(page, '/verwaltung?status=draft').then(() => ''), { gate: true });
    await f.check('publish: the confirmation says what it means for harvesters', async () => {
      await Promise.all([page.waitForURL(/veroeffentlichen$/), page.click(`a[href="/verwaltung/datensaetze/${id}/veroeffentlichen"]`)]);
      const text = await page.locator('main').textContent();
      assert(/Harvester/.test(text) && text.includes(WS_TITLE), 'no harvester sentence or title');
      await shot(page, 'workspace-confirm-publish.png');
    });
    await axeCheck(f, page, 'workspace publish confirmation (de)', 'workspace');
    await f.check('publish by keyboard; the list says it is published', async () => {
      const status = await confirmByKeyboard(page);
      assert(new URL(page.url()).search === '?done=published', `landed on ${rel(page.url())} (POST answered ${status})`);
      const notice = await page.locator('.notice').textContent();
      assert(/veröffentlicht/.test(notice), `notice "${notice}"`);
    });
    await f.check('the dataset is in the portal search, in /catalog and in SPARQL', async () => {
      const search = await fetch(url(`/datasets?q=${encodeURIComponent('Haushaltsplan 2027')}`), { headers: { accept: 'text/html' } }).then((r) => r.text());
      assert(search.includes(`/dataset/${WS_SLUG}"`), 'the portal search does not list it');
      const catalog = await fetch(url('/catalog.ttl')).then((r) => r.text());
      assert(catalog.includes(`${BASE}/dataset/${id}`), '/catalog.ttl does not name it');
      const ask = `ASK { <${BASE}/catalog> <http://www.w3.org/ns/dcat#dataset> <${BASE}/dataset/${id}> . <${BASE}/dataset/${id}> <http://purl.org/dc/terms/title> "${WS_TITLE}"@de }`;
      const answer = await fetch(url(`/sparql?query=${encodeURIComponent(ask)}`), { headers: { accept: 'application/sparql-results+json' } }).then((r) => r.json());
      assert(answer.boolean === true, `SPARQL ASK answered ${JSON.stringify(answer)}`);
      return 'search, /catalog.ttl, SPARQL ASK';
    });
    await f.check('two tabs edit it: the second sees who changed it meanwhile and keeps its input', async () => {
      const path = `/verwaltung/datensaetze/${id}/bearbeiten`;
      const tab2 = await ctx.newPage();
      await open(page, path);
      await open(tab2, path);
      await page.fill('#title_en', 'Budget 2027 (tab one)');
      const [first] = await Promise.all([page.waitForNavigation(), page.click('button[name=intent][value=save]')]);
      assert(first.status() === 200 && /done=saved/.test(page.url()), `first tab: ${rel(page.url())} (${first.status()})`);
      await tab2.fill('#version', '2.0');
      const [second] = await Promise.all([tab2.waitForNavigation(), tab2.click('button[name=intent][value=save]')]);
      assert(second.status() === 409, `second tab answered ${second.status()}`);
      const text = await tab2.locator('.error-summary.conflict').textContent();
      assert(/inzwischen geändert/.test(text) && /in der Verwaltung/.test(text), `conflict "${text.trim()}"`);
      assert(await tab2.inputValue('#version') === '2.0', 'the second tab lost its input');
      await shot(tab2, 'workspace-form-conflict.png');
      const vs = await runAxe(tab2);
      axeSummary.workspace.pages++;
      axeSummary.workspace.violations += vs.length;
      assert(vs.length === 0, formatViolations(vs));
      await tab2.close();
    });
    await f.check('two tabs withdraw it: the second sees "changed meanwhile" and its page stays usable', async () => {
      const path = `/verwaltung/datensaetze/${id}/zurueckziehen`;
      const tab2 = await ctx.newPage();
      await open(page, path);
      await open(tab2, path);
      const first = await confirmByKeyboard(page);
      assert(new URL(page.url()).search === '?done=withdrawn', `first tab landed on ${rel(page.url())} (${first})`);
      const second = await confirmByKeyboard(tab2);
      assert(second === 409, `second tab's withdrawal answered ${second}`);
      const text = await tab2.locator('.error-summary').textContent();
      assert(/inzwischen geändert/.test(text), `error summary "${text.trim()}"`);
      const main = await tab2.locator('main').textContent();
      assert(/bereits zurückgezogen/.test(main), 'the current state ("bereits zurückgezogen") is not shown');
      assert(await tab2.locator('form.button-row').count() === 0, 'the withdrawal is still offered');
      await shot(tab2, 'workspace-conflict.png');
      const vs = await runAxe(tab2);
      axeSummary.workspace.pages++;
      axeSummary.workspace.violations += vs.length;
      assert(vs.length === 0, formatViolations(vs));
      await tab2.close();
      const r = await fetch(url(`/api/v1/datasets/${id}`), { headers: { authorization: `Bearer ${EDITOR_TOKEN}` } }).then((x) => x.json());
      assert(r.status === 'withdrawn', `status ${r.status}`);
    });
    await f.check('a replayed form without the CSRF token is refused (403) and changes nothing', async () => {
      const r = await page.request.post(url(`/verwaltung/datensaetze/${id}/veroeffentlichen`), { form: { revision: '99' }, maxRedirects: 0 });
      assert(r.status() === 403, `answered ${r.status()}`);
      const doc = await fetch(url(`/api/v1/datasets/${id}`), { headers: { authorization: `Bearer ${EDITOR_TOKEN}` } }).then((x) => x.json());
      assert(doc.status === 'withdrawn', `status ${doc.status}`);
    }, { independent: true });
    await f.check('sign out: the session ends, the workspace asks to sign in again', async () => {
      await Promise.all([page.waitForURL(/anmelden\?done=signed-out/), page.click('form.sign-out button')]);
      assert(/abgemeldet/.test(await page.locator('.notice').textContent()), 'no "abgemeldet" notice');
      await page.goto(url('/verwaltung'), { waitUntil: 'load' });
      assert(new URL(page.url()).pathname === '/verwaltung/anmelden', `after signing out /verwaltung showed ${rel(page.url())}`);
    });
  } finally {
    await ctx.close();
  }
}

// Single sign-on with the local OpenID Connect provider (.ci/e2e starts it; ODCAT_E2E_SSO=1).
async function ssoSignIn(page, account) {
  // A fresh browser: no session here, none at the provider (which would sign the last person in).
  await page.context().clearCookies();
  await page.goto(url('/verwaltung/anmelden'), { waitUntil: 'load' });
  await Promise.all([page.waitForNavigation(), page.click('#sso')]);
  assert(new URL(page.url()).origin !== new URL(BASE).origin, `#sso stayed on ${rel(page.url())}`);
  await page.fill('input[name=login]', account);
  await page.fill('input[name=password]', 'e2e');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  // The provider asks for consent; then the workspace's callback, and on to the workspace.
  await Promise.all([page.waitForURL((u) => u.origin === new URL(BASE).origin), page.click('button[type=submit]')]);
  await page.waitForLoadState('load');
  await page.waitForURL((u) => u.pathname !== '/verwaltung/oidc', { timeout: 5000 }).catch(() => {});
}

async function workspaceSso(browser) {
  const f = new Flow('workspace-sso');
  if (process.env.ODCAT_E2E_SSO !== '1') {
    report('skip', 'workspace-sso', 'all', 'set ODCAT_E2E_SSO=1 with a provider configured');
    return;
  }
  const ctx = await newContext(browser, {}, { trackErrors: false });
  const page = await ctx.newPage();
  try {
    await f.check('an editor signs in with the identity provider and sees their publisher\'s datasets', async () => {
      await ssoSignIn(page, 'kaemmerei');
      assert(new URL(page.url()).pathname === '/verwaltung', `landed on ${rel(page.url())}`);
      const who = await page.locator('.who').textContent();
      assert(/\(402\)/.test(who), `signed in as "${who}"`);
      await shot(page, 'workspace-sso-signed-in.png');
      await Promise.all([page.waitForURL(/anmelden\?done=signed-out/), page.click('form.sign-out button')]);
    }, { gate: true });
    await f.check('a person the claim assigns to no publisher is refused', async () => {
      await ssoSignIn(page, 'fremd');
      const text = await page.locator('main').textContent();
      assert(/keinem Datenbereitsteller/.test(text), `page says "${text.trim().slice(0, 120)}"`);
      await shot(page, 'workspace-sso-refused.png');
    });
    await axeCheck(f, page, 'workspace sign-on refused (de)', 'workspace');
    await f.check('an administrator by claim revokes the editor\'s sign-on, which then is refused', async () => {
      await ssoSignIn(page, 'admin');
      await open(page, '/verwaltung/schluessel');
      const row = page.locator('tr:has(input[value="OIDC: kaemmerei@stadt.wuppertal.de"])');
      assert(await row.count() === 1, 'no token "OIDC: kaemmerei@stadt.wuppertal.de" in the list');
      await Promise.all([page.waitForNavigation(), row.locator('a[href$="/widerrufen"]').click()]);
      await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
      assert(/done=revoked/.test(page.url()), `revoking led to ${rel(page.url())}`);
      await ssoSignIn(page, 'kaemmerei');
      const text = await page.locator('main').textContent();
      assert(/widerrufen/.test(text), `page says "${text.trim().slice(0, 120)}"`);
    });
  } finally {
    await ctx.close();
  }
}

// Every workspace page in one language and viewport: axe, the frame, and no horizontal scroll on a phone.
async function workspacePages(browser, lang, phoneSized) {
  const tag = `${lang}${phoneSized ? '-phone' : ''}`;
  const f = new Flow(`workspace-${tag}`);
  if (!ADMIN_TOKEN) {
    report('skip', `workspace-${tag}`, 'all', 'set ODCAT_E2E_ADMIN_TOKEN');
    return;
  }
  const options = phoneSized
    ? { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }
    : {};
  const ctx = await newContext(browser, { locale: lang === 'en' ? 'en-GB' : 'de-DE', ...options });
  const page = await ctx.newPage();
  const area = lang === 'en' ? '/manage' : '/verwaltung';
  const seg = lang === 'en'
    ? { datasets: 'datasets', withdraw: 'withdraw', tokens: 'tokens', revoke: 'revoke', edit: 'edit', new: 'new', table: 'table' }
    : { datasets: 'datensaetze', withdraw: 'zurueckziehen', tokens: 'schluessel', revoke: 'widerrufen', edit: 'bearbeiten', new: 'neu', table: 'tabelle' };
  const look = async (name) => {
    await f.check(`${name}: html lang="${lang}", frame`, async () => {
      const l = await htmlLang(page);
      assert(l === lang, `<html lang="${l}">`);
      const probs = await frameProblems(page);
      assert(probs.length === 0, probs.join('; '));
    }, { independent: true });
    if (phoneSized) {
      await f.check(`${name}: no horizontal scroll at 375 px`, async () => {
        const n = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: innerWidth }));
        assert(n.iw === 375 && n.sw <= n.iw + 1, `innerWidth ${n.iw}, scrollWidth ${n.sw}`);
      }, { independent: true });
    }
    await axeCheck(f, page, `workspace ${name} (${tag})`, 'workspace');
    await shot(page, `workspace-${tag}-${name}.png`);
  };
  try {
    await f.check('sign-in page', async () => {
      await page.goto(url(area), { waitUntil: 'load' });
      assert(await page.$('#token'), `no #token on ${rel(page.url())}`);
    }, { gate: true });
    await look('sign-in');
    await f.check('sign in as an administrator', () => signIn(page, ADMIN_TOKEN, area), { gate: true });
    await look('list');
    await f.check('withdraw confirmation of a fixture dataset', async () => {
      const href = await page.locator(`a[href^="${area}/${seg.datasets}/"][href$="/${seg.withdraw}"]`).first().getAttribute('href');
      await open(page, href);
    });
    await look('confirmation');
    await f.check('the form of a fixture dataset', async () => {
      await open(page, area);
      const href = await page.locator(`a[href^="${area}/${seg.datasets}/"][href$="/${seg.edit}"]`).first().getAttribute('href');
      await open(page, href);
    });
    await look('form');
    await f.check(`the upload page of ${DATASET}'s hosted table`, async () => {
      const doc = await fetch(url(`/api/v1/datasets/${DATASET}`)).then((r) => r.json());
      await open(page, `${area}/${seg.datasets}/${doc.id}/${seg.edit}`);
      const href = await page.locator(`a[href*="/${seg.table}/"]`).first().getAttribute('href').catch(() => null);
      assert(href, `no upload link on the form of ${DATASET}`);
      await open(page, href);
    });
    await look('upload');
    await f.check('the form for a new dataset', () => open(page, `${area}/${seg.datasets}/${seg.new}`).then(() => ''));
    await look('new-form');
    await f.check('tokens page', () => open(page, `${area}/${seg.tokens}`).then(() => ''));
    await look('tokens');
    await f.check('create a token: its secret is shown once', async () => {
      await page.selectOption('#publisher', { index: 1 });
      await page.fill('#label', `e2e ${tag}`);
      const [res] = await Promise.all([page.waitForNavigation(), page.click('form.stack-form button[type=submit]')]);
      assert(res.status() === 201, `answered ${res.status()}`);
      const secret = (await page.locator('#secret').textContent()).trim();
      assert(/^odcat_[0-9a-f]{64}$/.test(secret), `secret "${secret}"`);
    });
    await look('token-created');
    await f.check('revoke confirmation', async () => {
      await open(page, `${area}/${seg.tokens}`);
      const href = await page.locator(`a[href$="/${seg.revoke}"]`).first().getAttribute('href');
      await open(page, href);
    });
    await look('revoke');
  } finally {
    await ctx.close();
  }
}

// ---- run ----------------------------------------------------------------------------------------------
const watchdog = setTimeout(() => {
  console.log('FAIL e2e: still running after 300 s; giving up');
  process.exit(1);
}, 300_000);
watchdog.unref();

let browser;
const stores = [];
const timings = [];
try {
  console.log(`e2e against ${BASE} (${JOBS} at once); query "${QUERY}", dataset ${DATASET}, publisher ${PUBLISHER}; out ${OUT}`);
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'], timeout: TIMEOUT });
  const parts = [
    ['pages-de', (b) => mainPages(b, 'de')], ['pages-en', (b) => mainPages(b, 'en')], ['flow', searchFlow],
    ['dataset', datasetPage], ['sparql', sparql], ['keyboard', keyboard], ['phone', phone], ['lang', language],
    ['other-de', (b) => otherPages(b, 'de')], ['other-en', (b) => otherPages(b, 'en')],
    ['errors-de', (b) => errorPages(b, 'de')], ['errors-en', (b) => errorPages(b, 'en')],
    ['workspace', workspaceFlow], ['workspace-sso', workspaceSso],
    ['workspace-de', (b) => workspacePages(b, 'de', false)], ['workspace-en', (b) => workspacePages(b, 'en', false)],
    ['workspace-de-phone', (b) => workspacePages(b, 'de', true)], ['workspace-en-phone', (b) => workspacePages(b, 'en', true)],
  ];
  const bufs = parts.map(() => ({ lines: [], failures: [] }));
  stores.push(...bufs);
  const done = parts.map(() => false);
  let printed = 0;
  let next = 0;
  const lane = async () => {
    while (next < parts.length) {
      const i = next++;
      const [name, run] = parts[i];
      const t0 = Date.now();
      await sink.run(bufs[i], async () => {
        try { await run(browser); } catch (e) { report('FAIL', name, 'harness', e.message); }
      });
      timings[i] = `${name} ${((Date.now() - t0) / 1000).toFixed(1)} s`;
      done[i] = true;
      for (; printed < parts.length && done[printed]; printed++) bufs[printed].lines.forEach((l) => console.log(l));
    }
  };
  await Promise.all(Array.from({ length: JOBS }, lane));
  const g = new Flow('browser');
  await g.check('no JavaScript errors on any page', () => {
    assert(!pageErrors.length, [`${pageErrors.length} error(s)`, ...pageErrors.slice(0, 5)].join('\n'));
  }, { independent: true });
  await g.check('no same-origin request answered ≥ 400', () => {
    const uniq = [...new Set(brokenResources)];
    assert(!uniq.length, [`${uniq.length} failed request(s)`, ...uniq.slice(0, 8)].join('\n'));
  }, { independent: true });
} catch (e) {
  report('FAIL', 'e2e', 'harness', `${e.message}`);
} finally {
  if (browser) await browser.close().catch(() => {});
}

const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log('');
console.log(`axe, main pages (home, search, dataset, sparql × de/en): ${axeSummary.main.violations} violation(s) on ${axeSummary.main.pages} page(s)`);
console.log(`axe, other pages (organization, api, impressum, barrierefreiheit, error pages × de/en): ${axeSummary.other.violations} violation(s) on ${axeSummary.other.pages} page(s)`);
console.log(`axe, workspace pages (sign-in, list, dataset form, upload form, new-dataset form, confirmation, tokens, token created, revoke × de/en × desktop/phone; error, preview, upload and conflict states): ${axeSummary.workspace.violations} violation(s) on ${axeSummary.workspace.pages} page(s)`);
const failures = [...stores, topLevel].flatMap((s) => s.failures);
if (failures.length) {
  console.log(`failed (${failures.length}): ${failures.slice(0, 12).join('; ')}${failures.length > 12 ? `; and ${failures.length - 12} more` : ''}`);
}
console.log(`screenshots and downloads: ${OUT}`);
console.log(`time: ${secs} s (${timings.join(', ')})`);
console.log(`e2e: ${tally.passed} passed, ${tally.failed} failed${tally.skipped ? `, ${tally.skipped} skipped` : ''}`);
process.exit(tally.failed ? 1 : 0);
