// The web pages in headless Chromium, against a running `fundtrail serve --demo`.
//
//   FUNDTRAIL_URL=http://127.0.0.1:18188 FUNDTRAIL_TOKEN=ft_... node run.mjs
//
// Uses Debian's Chromium (CHROMIUM, default /usr/bin/chromium) through
// playwright-core, and axe-core for accessibility. Screenshots of every page
// go to SCREENSHOTS (default ../../target/browser-screenshots). Prints
// "N passed, M failed" and exits non-zero on any failure.

import { chromium } from "playwright-core";
import { readFileSync, mkdirSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const base = (process.env.FUNDTRAIL_URL || "http://127.0.0.1:8087").replace(/\/$/, "");
const adminToken = process.env.FUNDTRAIL_TOKEN;
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const shots = resolve(process.env.SCREENSHOTS || join(here, "..", "..", "target", "browser-screenshots"));
const roadmap = "civ-2023";
if (!adminToken) {
  console.error("FUNDTRAIL_TOKEN is not set (the demo prints an admin token at start-up)");
  process.exit(2);
}
if (!existsSync(executablePath)) {
  console.error(`no Chromium at ${executablePath} (apt-get install -y chromium)`);
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const NNBSP = "\u202f";
const NBSP = "\u00a0";

// ---- a tiny test runner ----
const results = [];
async function test(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}
function eq(actual, expected, message) {
  if (actual !== expected) throw new Error(`${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// ---- GraphQL, the reference the pages must agree with ----
async function graphql(query, variables = {}, token = adminToken) {
  const response = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data;
}
const FUNDING = `query($r: ID!, $c: Currency, $asOf: DateTime, $on: Date) {
  fundingByPriority(roadmapId: $r, currency: $c, asOf: $asOf, on: $on) {
    currency
    priorities { priority { id } required { amount } pledged { amount } committed { amount } disbursed { amount } gap { amount } coverage unvaluedCount }
    unallocated { pledged { amount } committed { amount } disbursed { amount } unvaluedCount }
    total { required { amount } pledged { amount } committed { amount } disbursed { amount } gap { amount } coverage unvaluedCount }
  } }`;

// The figures of the dashboard's table, as the page states them (exact decimals kept in data-amount).
async function pageFigures(page) {
  return page.$$eval("table[data-testid=funding-table] tr[data-line]", (rows) =>
    rows.map((tr) => {
      const cell = (f) => tr.querySelector(`[data-field="${f}"]`);
      const amount = (f) => (cell(f) ? cell(f).getAttribute("data-amount") : null);
      return {
        line: tr.getAttribute("data-line"),
        priority: tr.getAttribute("data-priority"),
        required: amount("required"),
        pledged: amount("pledged"),
        committed: amount("committed"),
        disbursed: amount("disbursed"),
        gap: amount("gap"),
        coverage: cell("coverage").getAttribute("data-value"),
        unvaluedCount: Number(cell("unvaluedCount").getAttribute("data-value")),
        text: Object.fromEntries(["required", "pledged", "committed", "disbursed", "gap"].map((f) => [f, cell(f).textContent.trim()])),
      };
    }),
  );
}

function sameFigures(rows, f, where) {
  const amount = (m) => (m ? m.amount : null);
  const lines = [
    ...f.priorities.map((p) => ({ key: p.priority.id, line: p })),
    { key: "unallocated", line: { ...f.unallocated, required: null, gap: null, coverage: null } },
    { key: "total", line: f.total },
  ];
  eq(rows.length, lines.length, `${where}: number of lines`);
  lines.forEach(({ key, line }, i) => {
    const row = rows[i];
    eq(row.priority || row.line, key, `${where}: line ${i}`);
    for (const field of ["required", "pledged", "committed", "disbursed", "gap"]) {
      eq(row[field], amount(line[field]), `${where}: ${key} ${field}`);
    }
    eq(row.coverage, line.coverage ?? null, `${where}: ${key} coverage`);
    eq(row.unvaluedCount, line.unvaluedCount, `${where}: ${key} unvaluedCount`);
  });
}

// XOF amounts as each language writes them.
function xof(amount, lang) {
  const digits = BigInt(amount).toString().replace(/\B(?=(\d{3})+(?!\d))/g, lang === "fr" ? NNBSP : ",");
  return lang === "fr" ? `${digits}${NBSP}F${NBSP}CFA` : `XOF${NBSP}${digits}`;
}

async function axeCheck(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  const minor = result.filter((v) => !(v.impact === "serious" || v.impact === "critical"));
  if (minor.length) console.log(`     axe (${name}): minor: ${minor.map((v) => v.id).join(", ")}`);
  assert(serious.length === 0, `axe on ${name}: ${JSON.stringify(serious, null, 1)}`);
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function signIn(page, token) {
  await page.goto(`${base}/login`);
  await page.fill("#token", token);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("form.record button[type=submit]")]);
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const en = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
const page = await en.newPage();
let newPledgeId = null;

try {
  await test("an anonymous visitor is sent to the sign-in page, which explains the demo", async () => {
    const response = await page.goto(`${base}/`);
    assert(new URL(page.url()).pathname === "/login", `landed on ${page.url()}`);
    eq(response.status(), 200, "status");
    eq(await page.getAttribute("html", "lang"), "en", "language from Accept-Language");
    assert((await page.textContent("main")).includes("serve --demo"), "the demo's explanation");
    const cookies = await en.cookies();
    assert(!cookies.some((c) => c.name === "ft_session"), "no session yet");
    await shot(page, "01-login");
    await axeCheck(page, "login");
  });

  await test("a wrong token is refused beside the field", async () => {
    await page.fill("#token", "ft_not-a-token");
    await page.click("form.record button[type=submit]");
    eq(new URL(page.url()).pathname, "/login", "stays on the sign-in page");
    assert(await page.isVisible("#login-error"), "error shown");
    eq(await page.getAttribute("#token", "aria-invalid"), "true", "field marked invalid");
  });

  await test("signing in keeps an HttpOnly, SameSite=Strict session and never the token", async () => {
    await signIn(page, adminToken);
    eq(new URL(page.url()).pathname, "/", "back on the dashboard");
    const session = (await en.cookies()).find((c) => c.name === "ft_session");
    assert(session, "session cookie set");
    assert(session.httpOnly, "HttpOnly");
    eq(session.sameSite, "Strict", "SameSite");
    assert(!session.value.includes(adminToken.slice(3)), "the cookie is not the token");
    const html = await page.content();
    assert(!html.includes(adminToken), "the token is not in the page");
  });

  let before;
  await test("the dashboard shows the Côte d'Ivoire roadmap with the same figures as GraphQL", async () => {
    await page.goto(`${base}/?roadmap=${roadmap}`);
    assert((await page.textContent("h1")).includes("Feuille de route nationale"), "the roadmap's title");
    const rows = await pageFigures(page);
    before = (await graphql(FUNDING, { r: roadmap })).fundingByPriority;
    sameFigures(rows, before, "dashboard vs GraphQL");
    const total = rows.find((r) => r.line === "total");
    eq(total.text.pledged, xof(before.total.pledged.amount, "en"), "English money format");
    assert(await page.isVisible("svg[data-testid=funding-chart]"), "the chart is SVG");
    eq(await page.$$eval("svg[data-testid=funding-chart] g[data-row]", (g) => g.length), before.priorities.length + 1, "one bar per priority, and the unallocated line");
    await shot(page, "02-dashboard-en");
    await axeCheck(page, "dashboard");
  });

  await test("currency and the two clocks (on, asOf) agree with GraphQL", async () => {
    await page.goto(`${base}/?roadmap=${roadmap}&currency=EUR`);
    sameFigures(await pageFigures(page), (await graphql(FUNDING, { r: roadmap, c: "EUR" })).fundingByPriority, "EUR");
    const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
    await page.goto(`${base}/?roadmap=${roadmap}`);
    await page.fill("#f-asof", yesterday);
    await Promise.all([page.waitForURL(/asOf=/), page.click("form.filters button[type=submit]")]);
    const asOf = `${yesterday}T23:59:59.999999999Z`;
    sameFigures(await pageFigures(page), (await graphql(FUNDING, { r: roadmap, asOf })).fundingByPriority, "asOf yesterday");
    await page.goto(`${base}/?roadmap=${roadmap}&on=2023-06-30`);
    sameFigures(await pageFigures(page), (await graphql(FUNDING, { r: roadmap, on: "2023-06-30" })).fundingByPriority, "on 2023-06-30");
    const bad = await page.goto(`${base}/?roadmap=${roadmap}&on=30/06/2023`);
    eq(bad.status(), 400, "a bad date is a 400");
    eq(await page.getAttribute("#f-on", "aria-invalid"), "true", "the date field is marked");
  });

  await test("a validation error is shown field by field, and nothing is recorded", async () => {
    const count = (await graphql(`{ pledges(roadmapId: "${roadmap}") { id } }`)).pledges.length;
    await page.goto(`${base}/new/pledge?roadmap=${roadmap}`);
    await shot(page, "03-pledge-form");
    await axeCheck(page, "pledge form");
    await page.selectOption("#f-donorId", "giz");
    await page.selectOption("#f-recipientId", "cnltp");
    await page.fill("#f-amount", "1 000 000");
    await page.fill("#f-alloc-civ-2023-p1", "400 000");
    await page.click("form.record button[type=submit]");
    await page.waitForSelector("[data-testid=error-summary]");
    assert(await page.isVisible("#f-alloc-civ-2023-p1-error"), "the error is beside the first allocation");
    eq(await page.getAttribute("#f-alloc-civ-2023-p1", "aria-invalid"), "true", "allocation marked invalid");
    eq(await page.inputValue("#f-amount"), "1 000 000", "what was typed is kept");
    // and a form-level check: an amount that is not a number
    await page.fill("#f-amount", "about a million");
    await page.click("form.record button[type=submit]");
    await page.waitForSelector("#f-amount-error");
    assert((await page.textContent("#f-amount-error")).includes("figures"), "the amount's message");
    await shot(page, "04-pledge-form-errors");
    await axeCheck(page, "pledge form with errors");
    eq((await graphql(`{ pledges(roadmapId: "${roadmap}") { id } }`)).pledges.length, count, "nothing recorded");
  });

  await test("a pledge recorded through the form changes the dashboard (and GraphQL agrees)", async () => {
    await page.goto(`${base}/new/pledge?roadmap=${roadmap}`);
    await page.selectOption("#f-donorId", "giz");
    await page.selectOption("#f-recipientId", "cnltp");
    await page.fill("#f-amount", "25 000 000");
    await page.fill("#f-alloc-civ-2023-p1", "25,000,000");
    await page.fill("#f-pledgedOn", "2023-09-15");
    await page.check("input[name=themes][value=CHILD_LABOUR]");
    await page.fill("#f-description", "Appui à la coordination (test navigateur)");
    await Promise.all([page.waitForURL(/\/pledges\//), page.click("form.record button[type=submit]")]);
    assert(await page.isVisible("[data-testid=recorded]"), "the 'recorded' notice");
    newPledgeId = decodeURIComponent(new URL(page.url()).pathname.split("/")[2]);
    eq(await page.getAttribute("[data-testid=pledge-facts] [data-field=amount]", "data-amount"), "25000000", "the amount recorded");
    await shot(page, "05-pledge-page");
    await axeCheck(page, "pledge page");
    await page.goto(`${base}/?roadmap=${roadmap}`);
    const after = (await graphql(FUNDING, { r: roadmap })).fundingByPriority;
    sameFigures(await pageFigures(page), after, "dashboard after the pledge");
    const p1 = (f) => Number(f.priorities.find((p) => p.priority.id === "civ-2023-p1").pledged.amount);
    eq(p1(after) - p1(before), 25000000, "priority 1's pledged grew by the pledge");
    // committing it moves it to the committed rung
    await page.goto(`${base}/pledges/${encodeURIComponent(newPledgeId)}/commit`);
    await page.fill("#f-committedOn", "2023-10-01");
    await Promise.all([page.waitForURL(/done=1/), page.click("form.record button[type=submit]")]);
    await page.goto(`${base}/?roadmap=${roadmap}`);
    const committed = (await graphql(FUNDING, { r: roadmap })).fundingByPriority;
    sameFigures(await pageFigures(page), committed, "dashboard after the commitment");
    const c1 = (f) => Number(f.priorities.find((p) => p.priority.id === "civ-2023-p1").committed.amount);
    eq(c1(committed) - c1(before), 25000000, "priority 1's committed grew");
  });

  await test("sending the same form twice records it once (commandId)", async () => {
    const count = async () => (await graphql(`{ pledges(roadmapId: "${roadmap}") { id } }`)).pledges.length;
    const start = await count();
    await page.goto(`${base}/new/pledge?roadmap=${roadmap}`);
    await page.selectOption("#f-donorId", "unicef");
    await page.selectOption("#f-recipientId", "stc-ci");
    await page.fill("#f-amount", "5 000 000");
    await page.fill("#f-pledgedOn", "2023-11-02");
    const statuses = await page.evaluate(async () => {
      const form = document.querySelector("form.record");
      const body = new URLSearchParams(new FormData(form));
      const send = () => fetch(form.action, { method: "POST", body, redirect: "manual", credentials: "same-origin" });
      const [a, b] = await Promise.all([send(), send()]);
      const c = await send();
      return [a.type, b.type, c.type];
    });
    assert(statuses.every((s) => s === "opaqueredirect"), `every send ends in a redirect: ${statuses}`);
    eq(await count(), start + 1, "one pledge more, not three");
  });

  await test("two officers revising the same pledge get a clear conflict", async () => {
    assert(newPledgeId, "needs the pledge recorded above");
    const second = await en.newPage();
    const url = `${base}/pledges/${encodeURIComponent(newPledgeId)}/revise`;
    await page.goto(url);
    await second.goto(url);
    await page.fill("#f-amount", "30 000 000");
    await page.fill("#f-alloc-civ-2023-p1", "30 000 000");
    await page.fill("#f-reason", "Avenant signé");
    await Promise.all([page.waitForURL(/done=1/), page.click("form.record button[type=submit]")]);
    await second.fill("#f-amount", "20 000 000");
    await second.fill("#f-alloc-civ-2023-p1", "20 000 000");
    await second.fill("#f-reason", "Chiffre corrigé");
    const [response] = await Promise.all([second.waitForResponse((r) => r.request().method() === "POST"), second.click("form.record button[type=submit]")]);
    eq(response.status(), 409, "a conflict");
    assert(await second.isVisible("[data-testid=conflict]"), "the conflict is explained");
    eq(await second.getAttribute("[data-testid=conflict] [data-field=amount]", "data-field"), "amount", "with the record as it is now");
    assert((await second.textContent("[data-testid=conflict]")).includes("30,000,000"), "showing the other officer's amount");
    await shot(second, "06-conflict");
    await axeCheck(second, "conflict");
    const pledge = (await graphql(`{ pledge(id: "${newPledgeId}") { amount { amount } version } }`)).pledge;
    eq(pledge.amount.amount, "30000000", "the first revision stands");
    // having seen it, sending again applies the second revision
    await Promise.all([second.waitForURL(/done=1/), second.click("form.record button[type=submit]")]);
    eq((await graphql(`{ pledge(id: "${newPledgeId}") { amount { amount } } }`)).pledge.amount.amount, "20000000", "the second revision, once seen");
    await second.close();
  });

  await test("the language switch turns every label and number French", async () => {
    await page.goto(`${base}/?roadmap=${roadmap}`);
    await Promise.all([page.waitForURL(/\/\?roadmap=/), page.click(".lang-switch a")]);
    eq(await page.getAttribute("html", "lang"), "fr", "lang attribute");
    assert((await page.textContent("nav.main")).includes("Carte des bailleurs"), "French navigation");
    const f = (await graphql(FUNDING, { r: roadmap })).fundingByPriority;
    const total = (await pageFigures(page)).find((r) => r.line === "total");
    eq(total.text.pledged, xof(f.total.pledged.amount, "fr"), "French money format");
    assert((await page.textContent("table[data-testid=funding-table] thead")).includes("Décaissé"), "French headers");
    await shot(page, "07-dashboard-fr");
    await axeCheck(page, "dashboard in French");
    // errors in French too
    await page.goto(`${base}/new/pledge?roadmap=${roadmap}`);
    await page.fill("#f-amount", "beaucoup");
    await page.click("form.record button[type=submit]");
    await page.waitForSelector("#f-amount-error");
    assert((await page.textContent("#f-amount-error")).includes("Saisissez un montant"), "French field error");
    assert((await page.textContent("[data-testid=error-summary]")).includes("Rien n'a été enregistré"), "French summary");
    await page.click(".lang-switch a");
    eq(await page.getAttribute("html", "lang"), "en", "and back to English");
  });

  await test("Accept-Language picks French for a French browser", async () => {
    const fr = await browser.newContext({ locale: "fr-FR" });
    const p = await fr.newPage();
    await p.goto(`${base}/login`);
    eq(await p.getAttribute("html", "lang"), "fr", "lang");
    eq((await p.textContent("h1")).trim(), "Connexion", "title");
    await fr.close();
  });

  await test("donor map, donor page, pipeline and entity pages render, with history", async () => {
    await page.goto(`${base}/donors?roadmap=${roadmap}`);
    const donors = await page.$$eval("table[data-testid=donor-table] tbody tr", (rows) => rows.map((r) => r.getAttribute("data-donor")));
    const map = (await graphql(`{ donorMap(roadmapId: "${roadmap}") { organisation { id } committed { amount } } }`)).donorMap;
    eq(donors.join(","), map.map((d) => d.organisation.id).join(","), "same donors, same order (largest committed first)");
    await shot(page, "08-donor-map");
    await axeCheck(page, "donor map");
    await page.selectOption("#d-theme", "TRAFFICKING");
    await page.waitForURL(/theme=TRAFFICKING/);
    const trafficking = (await graphql(`{ donorMap(roadmapId: "${roadmap}", theme: TRAFFICKING) { organisation { id } } }`)).donorMap;
    eq(await page.$$eval("table[data-testid=donor-table] tbody tr", (r) => r.length), trafficking.length, "theme filter");
    await page.goto(`${base}/organisations/stc-ci`);
    assert((await page.textContent("h1")).includes("Save the Children"), "donor page");
    assert(await page.isVisible("[data-testid=org-pledges]"), "its pledges");
    await shot(page, "09-organisation");
    await axeCheck(page, "organisation page");
    await page.goto(`${base}/pipeline`);
    eq(await page.textContent("section[data-status=SUBMITTED] [data-testid=count]"), "2", "two proposals submitted");
    await shot(page, "10-pipeline");
    await axeCheck(page, "pipeline");
    await page.goto(`${base}/pledges/${encodeURIComponent(newPledgeId)}`);
    const actors = await page.$$eval("table[data-testid=history] [data-field=actor]", (c) => c.map((x) => x.textContent));
    assert(actors.length >= 4 && actors.every((a) => a === "demo-admin"), `who recorded each event: ${actors}`);
    assert((await page.textContent("table[data-testid=history]")).includes("Chiffre corrigé"), "why (the reason)");
    await page.goto(`${base}/partnerships/pa-cnltp-stc`);
    await shot(page, "11-partnership");
    await axeCheck(page, "partnership page");
  });

  await test("resource mobilisation: a prospect becomes a proposal then a pledge, tranches are set, and one falls overdue when the server's clock moves", async () => {
    assert(newPledgeId, "needs the pledge recorded above");
    const submit = (url) => Promise.all([page.waitForURL(url), page.click("form.record button[type=submit]")]);
    const proposal = (await graphql(`{ proposals { id } }`)).proposals[0].id;
    await page.goto(`${base}/prospects/pp-afdb-2023/advance`);
    await axeCheck(page, "the form that moves an approach on");
    await page.selectOption("#f-stage", "PROPOSAL_SUBMITTED");
    await page.fill("#f-reason", "Note conceptuelle envoyée à la BAD");
    await page.selectOption("#f-proposalId", proposal);
    await submit(/\/pipeline\?done=1/);
    await page.goto(`${base}/prospects/pp-afdb-2023/advance`);
    await page.selectOption("#f-stage", "PLEDGED");
    await page.fill("#f-reason", "Accord de la BAD");
    await page.selectOption("#f-pledgeId", newPledgeId);
    await submit(/\/pipeline\?done=1/);
    const prospect = (await graphql(`{ prospect(id: "pp-afdb-2023") { stage proposal { id } pledge { id } moves { to } } }`)).prospect;
    eq(prospect.stage, "PLEDGED", "the prospect became a pledge");
    eq(prospect.proposal.id, proposal, "through the proposal");
    eq(prospect.pledge.id, newPledgeId, "the pledge it became");
    eq(prospect.moves.map((m) => m.to).join(","), "PROPOSAL_SUBMITTED,PLEDGED", "two moves, each with its reason");
    await axeCheck(page, "pipeline after the moves");

    // The pledge (committed above) gets two tranches: one in 5 days, one in 60.
    const day = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
    const pledgeUrl = `${base}/pledges/${encodeURIComponent(newPledgeId)}`;
    const amount = (await graphql(`{ pledge(id: "${newPledgeId}") { amount { amount } } }`)).pledge.amount.amount;
    const first = Math.floor(Number(amount) / 4);
    await page.goto(`${pledgeUrl}/tranches`);
    await axeCheck(page, "tranches form");
    await page.fill("#f-dueOn-0", day(5));
    await page.fill("#f-amount-0", String(first));
    await page.fill("#f-dueOn-1", day(60));
    await page.fill("#f-amount-1", String(first));
    await submit(/done=1/);
    eq(await page.$$eval("[data-overdue=true]", (x) => x.length), 0, "nothing is overdue yet");

    // Ten days later (the server's clock, moved by the test-only setting):
    // the first tranche is overdue, on the pledge's page and the worklist.
    const moved = await fetch(`${base}/test/clock?days=10`, { method: "POST", headers: { authorization: `Bearer ${adminToken}` } });
    eq(moved.status, 200, "the test clock moves (serve --test-clock)");
    await page.goto(pledgeUrl);
    eq(await page.$$eval("[data-overdue=true]", (x) => x.length), 1, "the first tranche is overdue");
    eq(await page.getAttribute("[data-field=overdue]", "data-amount"), String(first), "all of it");
    const overdue = (await graphql(`{ pledge(id: "${newPledgeId}") { overdue { amount } } }`)).pledge.overdue.amount;
    eq(Number(overdue), first, "GraphQL agrees");
    await shot(page, "13-overdue-tranche");
    await page.goto(`${base}/worklist`);
    assert(await page.isVisible(`a[href="/pledges/${encodeURIComponent(newPledgeId)}/disburse"]`), "the worklist links to the form that resolves it");
    await shot(page, "14-worklist");
    await axeCheck(page, "worklist");

    // An action on the report's second next step, then done.
    await page.goto(`${base}/roadmaps/${roadmap}/actions/new?about=NEXT_STEP:civ-2023-s2`);
    await axeCheck(page, "action form");
    await page.fill("#f-title", "Former les agents à la collecte des données");
    await page.fill("#f-owner", "demo-admin");
    await page.fill("#f-dueOn", day(20));
    await submit(/done=1/);
    const row = page.locator("table tr[data-action]").first();
    eq(await row.locator("[data-field=status]").getAttribute("data-value"), "PLANNED", "recorded as planned");
    await axeCheck(page, "roadmap page with its actions");
    // The roadmap's own ageing periods, by the keyboard-reachable form.
    await page.goto(`${base}/roadmaps/${roadmap}/ageing`);
    await axeCheck(page, "ageing form");
    await page.fill("#f-pledgeDays", "60");
    await page.fill("#f-proposalDays", "75");
    await submit(/done=1/);
    const ageing = (await graphql(`{ roadmap(id: "${roadmap}") { ageing { pledgeDays proposalDays } } }`)).roadmap.ageing;
    eq(`${ageing.pledgeDays}/${ageing.proposalDays}`, "60/75", "GraphQL shows the periods set");
    await page.goto(`${base}/priorities/civ-2023-p1`);
    assert(await page.isVisible("[data-testid=forecast] svg"), "the forecast chart on the priority's page");
    await shot(page, "15-forecast");
    await axeCheck(page, "priority page with its forecast");
  });

  await test("the auditor view shows the audit trail and the hash-chain check", async () => {
    await page.goto(`${base}/audit`);
    const trail = (await graphql(`{ auditTrail(first: 1) { totalCount } }`)).auditTrail;
    eq(await page.textContent("[data-testid=audit-count]"), `${trail.totalCount} event(s)`, "every event counted");
    await page.click("text=Check the whole chain now");
    await page.waitForSelector("[data-testid=chain-ok]");
    const check = (await graphql(`{ verifyLedger { checked ok } }`).catch(() => null));
    if (check) assert(check.verifyLedger.ok, "GraphQL agrees the chain is intact");
    await shot(page, "12-audit");
    await axeCheck(page, "audit trail");
  });

  await test("a viewer reads but sees no forms, and cannot open one", async () => {
    const created = (await graphql(`mutation { createAccessToken(input: { name: "Browser viewer", role: VIEWER }) { token } }`)).createAccessToken;
    const ctx = await browser.newContext({ locale: "en-GB" });
    const p = await ctx.newPage();
    await signIn(p, created.token);
    assert(!(await p.isVisible("a[href='/new']")), "no Record entry");
    assert(!(await p.isVisible("a[href='/audit']")), "no audit trail");
    await p.goto(`${base}/pledges/${encodeURIComponent(newPledgeId)}`);
    eq(await p.$$eval("main form, main .actions", (x) => x.length), 0, "no forms or actions on a pledge");
    const refused = await p.goto(`${base}/new/pledge?roadmap=${roadmap}`);
    eq(refused.status(), 403, "the form is refused");
    await ctx.close();
  });

  await test("keyboard: the skip link comes first and every field of a form is reachable", async () => {
    await page.goto(`${base}/new/pledge?roadmap=${roadmap}`);
    await page.keyboard.press("Tab");
    eq(await page.evaluate(() => document.activeElement.className), "skip", "skip link first");
    await page.keyboard.press("Enter");
    eq(await page.evaluate(() => document.activeElement.id), "content", "it moves to the content");
    const fields = await page.$$eval("form.record input:not([type=hidden]), form.record select, form.record textarea, form.record button", (x) => x.length);
    const seen = new Set();
    for (let i = 0; i < fields + 10; i++) {
      await page.keyboard.press("Tab");
      const id = await page.evaluate(() => document.activeElement.id || document.activeElement.tagName);
      seen.add(id);
      if (id === "BUTTON") break;
    }
    for (const id of ["f-donorId", "f-recipientId", "f-amount", "f-pledgedOn", "f-alloc-civ-2023-p1", "f-description"]) {
      assert(seen.has(id), `${id} reachable with Tab`);
    }
  });

  await test("signing out closes the session", async () => {
    await page.goto(`${base}/`);
    await Promise.all([page.waitForURL(/\/login/), page.click(".who button[type=submit]")]);
    await page.goto(`${base}/donors`);
    eq(new URL(page.url()).pathname, "/login", "signed out");
  });

  await test("GraphiQL runs from the binary's own files under its CSP: no console error, no violation, nothing from elsewhere", async () => {
    // A fresh context that is offline for every other origin: a request
    // elsewhere (a CDN) is refused and recorded.
    const ctx = await browser.newContext({ locale: "en-GB", viewport: { width: 1280, height: 900 } });
    const origin = new URL(base).origin;
    const elsewhere = [];
    await ctx.route("**/*", (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin) {
        // The admin's token, as pasted into GraphiQL's Headers (the demo
        // refuses anonymous reads: the 401s would be console errors).
        if (new URL(url).pathname === "/graphql") {
          return route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${adminToken}` } });
        }
        return route.continue();
      }
      elsewhere.push(url);
      return route.abort("internetdisconnected");
    });
    // Before any of the page's scripts: CSP violations as the page sees them.
    await ctx.addInitScript(() => {
      window.__violations = [];
      document.addEventListener("securitypolicyviolation", (e) => {
        window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    const p = await ctx.newPage();
    const problems = [];
    p.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()}`);
      else if (m.type() === "warning") console.log(`     graphiql: console warning: ${m.text()}`);
    });
    p.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    p.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`));
    p.on("response", (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    const response = await p.goto(`${base}/graphiql`);
    eq(response.status(), 200, "status");
    const csp = (await response.allHeaders())["content-security-policy"] || "";
    assert(csp.includes("script-src 'self';") && csp.includes("default-src 'none'"), `CSP: ${csp}`);
    await p.waitForSelector(".graphiql-container .graphiql-query-editor .CodeMirror", { timeout: 15000 });
    // The default query runs: fetch('/graphql') under connect-src 'self'.
    await p.click(".graphiql-execute-button");
    await p.waitForFunction(() => {
      const out = document.querySelector(".graphiql-response .CodeMirror");
      return out && /"data"/.test(out.textContent);
    }, null, { timeout: 15000 });
    const result = await p.textContent(".graphiql-response .CodeMirror");
    assert(result.includes(`"${roadmap}"`), `the default query's answer: ${result}`);
    // Subscriptions' websocket, built from the page's host as graphiql-init.js does.
    const ws = await p.evaluate(() => new Promise((resolve) => {
      const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql/ws";
      try {
        const s = new WebSocket(url, "graphql-transport-ws");
        s.onopen = () => { s.close(); resolve("open"); };
        s.onerror = () => resolve("error");
      } catch (e) {
        resolve(`refused: ${e.message}`);
      }
    }));
    await p.waitForTimeout(500);
    await shot(p, "graphiql");
    const violations = await p.evaluate(() => window.__violations);
    console.log(`     graphiql: result ${JSON.stringify(result.replace(/\s+/g, " ").slice(0, 80))}; websocket ${ws}; ${violations.length} CSP violations, ${problems.length} console errors, ${elsewhere.length} requests elsewhere`);
    await ctx.close();
    eq(ws, "open", "the websocket to /graphql/ws opens under connect-src 'self'");
    assert(violations.length === 0, `CSP violations: ${violations.join("\n")}`);
    assert(problems.length === 0, `console: ${problems.join("\n")}`);
    assert(elsewhere.length === 0, `requests to other origins: ${elsewhere.join("\n")}`);
  });
} finally {
  await browser.close();
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`\nscreenshots: ${shots}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
