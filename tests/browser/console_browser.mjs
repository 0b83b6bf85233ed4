// The console in a real browser: Debian's chromium (the binary itself, not
// the /usr/bin wrapper, which adds flags of its own) driven by
// playwright-core. Run by tests/integration/console_browser_test.cc, which
// starts the control plane, agents and CRM and sets the scene for each
// phase:
//
//   node console_browser.mjs agents        two agents healthy; one killed
//                                          (FERRY_KILL_PID) turns stale, then
//                                          offline, live, without a reload, and
//                                          its alert fires
//   node console_browser.mjs dead-letters  a viewer cannot replay; an operator
//                                          replays one after the CRM is fixed
//                                          (FERRY_FIX_FILE) and sees the outcome
//   node console_browser.mjs alert-rules   an admin adds an alert rule, and is
//                                          told what is wrong with a bad one; a
//                                          viewer cannot edit the rules
//   node console_browser.mjs flows         an operator uploads flow files
//                                          (FERRY_BUNDLE_FILES, comma-separated
//                                          paths), deploys them to
//                                          FERRY_DEPLOY_SELECTOR, watches
//                                          FERRY_ROLLOUT_AGENT run them and diffs
//                                          the version against the standard
//                                          flows; prints DEPLOYED_SEQUENCE=N; a
//                                          viewer can neither upload nor deploy
//   node console_browser.mjs fix-and-replay
//                                          follows FERRY_DELIVERED_DOCNUM's trace
//                                          to its CRM record id; deploys the
//                                          fixed bundle, replays the dead letter
//                                          of FERRY_REPLAY_DOCNUM (which the old
//                                          one could not map), sees it leave the
//                                          list and its trace end at a CRM
//                                          record; prints RECORD_ID DOCNUM=ID
//   node console_browser.mjs down-waiting  FERRY_RECORD_ID, a CRM record no agent
//                                          serves yet, waits on the Down page;
//                                          its trace so far
//   node console_browser.mjs down-done     the same record once made in SAP: its
//                                          trace into SAP and back, found by its id
//
// The browser trusts the fleet's CA (FERRY_CA_FILE) through an NSS database
// of its own: the console's certificate is checked as a user's browser
// would check it. A screenshot of every page goes to FERRY_SCREENSHOTS.
// Exits non-zero, naming the step, when anything is not as it should be.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const url = process.env.FERRY_CONSOLE_URL;
const shots = process.env.FERRY_SCREENSHOTS;
const phase = process.argv[2];
const wait = { timeout: 30000 };

function browserHome() {
  const home = mkdtempSync(join(tmpdir(), 'ferry-browser-'));
  const db = `sql:${join(home, '.pki', 'nssdb')}`;
  mkdirSync(join(home, '.pki', 'nssdb'), { recursive: true });
  execFileSync('certutil', ['-N', '-d', db, '--empty-password']);
  execFileSync('certutil', ['-A', '-d', db, '-t', 'C,,', '-n', 'ferry-fleet-ca', '-i', process.env.FERRY_CA_FILE]);
  return home;
}

async function signIn(browser, name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page error (${name}): ${error.message}`));
  await page.goto(`${url}/fleet`);
  await page.waitForURL(/\/sign-in/, wait);
  await page.getByTestId('signin-name').fill(name);
  await page.getByTestId('signin-password').fill(`password of ${name} 123`);
  await page.getByTestId('signin-submit').click();
  await page.waitForURL(/\/fleet/, wait);
  await expectText(page.getByTestId('user-name'), name);
  return page;
}

async function expectText(locator, text) {
  await locator.filter({ hasText: text }).first().waitFor(wait);
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function agentsPhase(browser) {
  const page = await signIn(browser, 'vera');
  await expectText(page.getByTestId('fleet-count-healthy'), '2');
  await page.getByTestId('fleet-chart').waitFor(wait);
  await page.getByTestId('live-status').filter({ hasText: /live/i }).waitFor(wait);
  await shot(page, 'fleet');

  await page.getByTestId('nav-agents').click();
  await page.waitForURL(/\/agents/, wait);
  const munich = page.getByTestId('agent-row-agent-muc');
  await page.locator('[data-testid="agent-row-agent-muc"][data-state="healthy"]').waitFor(wait);
  await page.locator('[data-testid="agent-row-plant-01"][data-state="healthy"]').waitFor(wait);
  await shot(page, 'agents');

  // kill -9 the agent; the page follows by itself (live updates).
  process.kill(Number(process.env.FERRY_KILL_PID), 'SIGKILL');
  await page.locator('[data-testid="agent-row-agent-muc"][data-state="stale"]').waitFor(wait);
  await expectText(munich, 'stale');
  await page.locator('[data-testid="agent-row-agent-muc"][data-state="offline"]').waitFor(wait);
  await page.locator('[data-testid="agent-row-plant-01"][data-state="healthy"]').waitFor(wait);
  await shot(page, 'agents-one-offline');

  await munich.getByRole('link', { name: 'agent-muc' }).click();
  await page.waitForURL(/\/agents\/agent-muc$/, wait);
  await expectText(page.getByTestId('agent-state'), 'offline');
  await shot(page, 'agent-detail');

  // Real links: the same page straight from its address.
  await page.goto(`${url}/agents?state=offline`);
  await page.locator('[data-testid="agent-row-agent-muc"][data-state="offline"]').waitFor(wait);
  if (await page.getByTestId('agent-row-plant-01').count() !== 0) throw new Error('state=offline lists plant-01');

  // Its alert fires (a rule of kind agent_offline), and the notification
  // is in the history.
  await page.getByTestId('nav-alerts').click();
  await page.waitForURL(/\/alerts$/, wait);
  await page.locator('[data-testid="alerts-firing-row"][data-subject="agent-muc"]').waitFor(wait);
  await page
    .locator('[data-testid="alerts-history-row"][data-change="firing"]')
    .filter({ hasText: 'agent-muc' })
    .first()
    .waitFor(wait);
  await shot(page, 'alerts');

  await page.getByTestId('nav-connectors').click();
  await page.getByTestId('connectors-table').waitFor(wait);
  await shot(page, 'connectors');
}

async function deadLettersPhase(browser) {
  const viewer = await signIn(browser, 'vera');
  await viewer.getByTestId('nav-dead-letters').click();
  await viewer.getByTestId('dlq-table').waitFor(wait);
  const rows = viewer.locator('[data-testid^="dlq-row-"]');
  await rows.nth(1).waitFor(wait);
  const count = await rows.count();
  if (count !== 2) throw new Error(`the viewer sees ${count} dead letters, not 2`);
  // A viewer has nothing to press, and the API refuses it anyway.
  for (const button of ['dlq-replay-selected', 'dlq-replay-matching', 'dlq-discard-selected']) {
    const control = viewer.getByTestId(button);
    if ((await control.count()) !== 0 && (await control.isEnabled())) throw new Error(`a viewer can press ${button}`);
  }
  const refused = await viewer.evaluate(async () => {
    const who = await (await fetch('/api/v1/session')).json();
    const answer = await fetch('/api/v1/dead-letters/replay', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': who.csrf_token },
      body: JSON.stringify({ filter: {} }),
    });
    return answer.status;
  });
  if (refused !== 403) throw new Error(`a viewer's replay was answered ${refused}, not 403`);
  await shot(viewer, 'dead-letters');

  const operator = await signIn(browser, 'otto');
  await operator.goto(`${url}/dead-letters?docnum=${process.env.FERRY_REPLAY_DOCNUM}`);
  const row = operator.locator('[data-testid^="dlq-row-"]');
  await row.first().waitFor(wait);
  if ((await row.count()) !== 1) throw new Error('the docnum filter does not find exactly one dead letter');
  const seq = (await row.first().getAttribute('data-testid')).slice('dlq-row-'.length);
  // An IDoc from SAP: direction up, the document its IDoc number.
  const direction = await operator.getByTestId(`dlq-direction-${seq}`).textContent();
  if (direction !== 'up') throw new Error(`the dead letter's direction shows '${direction}', not 'up'`);
  const documentId = await operator.getByTestId(`dlq-document-${seq}`).textContent();
  if (!documentId.endsWith(process.env.FERRY_REPLAY_DOCNUM.replace(/^0+/, ''))) {
    throw new Error(`the dead letter's document shows '${documentId}', not IDoc ${process.env.FERRY_REPLAY_DOCNUM}`);
  }
  await operator.getByTestId(`dlq-row-${seq}`).getByRole('link').first().click();
  await operator.waitForURL(new RegExp(`/dead-letters/${seq}$`), wait);
  await expectText(operator.locator('body'), process.env.FERRY_REPLAY_DOCNUM);
  await shot(operator, 'dead-letter-detail');
  await operator.goBack();
  await operator.getByTestId(`dlq-select-${seq}`).check();
  writeFileSync(process.env.FERRY_FIX_FILE, 'fixed\n');  // the CRM accepts it now
  await operator.getByTestId('dlq-replay-selected').click();
  await expectText(operator.getByTestId('dlq-outcome'), '1');
  await shot(operator, 'dead-letter-replayed');

  // Found by its IDoc number, its way told: refused, replayed by otto, delivered.
  const docnum = process.env.FERRY_REPLAY_DOCNUM;
  await operator.getByTestId('search-input').first().fill(docnum.replace(/^0+/, ''));
  await operator.getByTestId('search-input').first().press('Enter');
  await operator.waitForURL(/\/search\?q=/, wait);
  await expectText(operator.getByTestId('trace-outcome'), /delivered/);
  for (const step of ['received', 'sent', 'stored', 'dead_lettered', 'replayed', 'delivered']) {
    await operator.locator(`[data-testid="trace-step"][data-step="${step}"]`).first().waitFor(wait);
  }
  await expectText(operator.locator('[data-testid="trace-step"][data-step="replayed"]'), 'by otto');
  await shot(operator, 'search');

  await operator.getByTestId('nav-audit').click();
  await expectText(operator.getByTestId('audit-table'), 'dead_letters.replay');
  await shot(operator, 'audit');
}

// The index of the rule named `name` in the open rule editor.
async function ruleIndex(page, name) {
  const names = page.locator('[data-testid^="alert-rule-name-"]');
  for (let i = 0; i < (await names.count()); i++) {
    if ((await page.getByTestId(`alert-rule-name-${i}`).inputValue()) === name) return i;
  }
  throw new Error(`no rule named ${name} in the editor`);
}

async function alertRulesPhase(browser) {
  const admin = await signIn(browser, 'ada');
  await admin.getByTestId('nav-alerts').click();
  await admin.getByTestId('alert-rules').waitFor(wait);

  await admin.getByTestId('alert-rules-edit').click();
  await admin.getByTestId('alert-rules-add').click();
  const added = (await admin.locator('[data-testid^="alert-rule-name-"]').count()) - 1;
  await admin.getByTestId(`alert-rule-name-${added}`).fill('dl-burst');
  await admin.getByTestId(`alert-rule-kind-${added}`).selectOption('dead_letters');
  await admin.getByTestId(`alert-rule-more_than-${added}`).fill('5');
  await admin.getByTestId(`alert-rule-window-${added}`).fill('1h');
  await shot(admin, 'alert-rules-editing');
  await admin.getByTestId('alert-rules-save').click();
  await admin.locator('[data-testid="alert-rule-row"][data-rule="dl-burst"]').waitFor(wait);
  await expectText(admin.locator('[data-testid="alert-rule-row"][data-rule="dl-burst"]'), '1h');

  // A window the server refuses: its reason names the setting, and the
  // editor stays open to fix it.
  await admin.getByTestId('alert-rules-edit').click();
  const i = await ruleIndex(admin, 'dl-burst');
  await admin.getByTestId(`alert-rule-window-${i}`).fill('3h');
  await admin.getByTestId('alert-rules-save').click();
  await expectText(admin.getByTestId('alert-rules-error'), 'window');
  await shot(admin, 'alert-rules-refused');
  await admin.getByTestId('alert-rules-cancel').click();
  await expectText(admin.locator('[data-testid="alert-rule-row"][data-rule="dl-burst"]'), '1h');

  // A viewer reads the rules and has no way to change them.
  const viewer = await signIn(browser, 'vera');
  await viewer.getByTestId('nav-alerts').click();
  await viewer.locator('[data-testid="alert-rule-row"][data-rule="dl-burst"]').waitFor(wait);
  if ((await viewer.getByTestId('alert-rules-edit').count()) !== 0) throw new Error('a viewer can edit the alert rules');
  await shot(viewer, 'alert-rules-viewer');
}

// Uploads `files` on the Flows page, deploys the version to `selector` and
// waits until `agent` runs it; the version and the deployment's sequence.
async function deployFromConsole(operator, files, selector, agent, comment) {
  await operator.getByTestId('nav-flows').click();
  await operator.waitForURL(/\/flows$/, wait);
  const upload = operator.getByTestId('flows-upload');
  await upload.getByTestId('flows-upload-files').setInputFiles(files);
  await upload.getByTestId('flows-upload-comment').fill(comment);
  await upload.getByTestId('flows-upload-submit').click();
  await expectText(operator.getByTestId('flows-upload-outcome'), /stored|Unchanged/);

  // The form offered after the upload deploys the version just stored.
  const deploy = operator.getByTestId('deploy-form');
  const version = await deploy.getAttribute('data-version');
  await deploy.getByTestId('deploy-selector').fill(selector);
  await deploy.getByTestId('deploy-submit').click();
  await operator.getByTestId('deploy-confirm').click();
  await operator.waitForURL(/\/flows\/deployments\/\d+$/, wait);
  const sequence = /\/flows\/deployments\/(\d+)$/.exec(operator.url())[1];
  console.log(`DEPLOYED_SEQUENCE=${sequence}`);
  await operator
    .locator(`[data-testid="rollout-row"][data-agent="${agent}"][data-state="running"]`)
    .waitFor({ timeout: 60000 });
  await expectText(operator.getByTestId('rollout-summary'), /\d+ of \d+ running/);
  return { version, sequence };
}

function bundleFiles() {
  const files = (process.env.FERRY_BUNDLE_FILES ?? '').split(',').filter(Boolean);
  const agent = process.env.FERRY_ROLLOUT_AGENT;
  if (!files.length || !agent) throw new Error('FERRY_BUNDLE_FILES and FERRY_ROLLOUT_AGENT must be set');
  return { files, agent, selector: process.env.FERRY_DEPLOY_SELECTOR ?? '' };
}

async function flowsPhase(browser) {
  const { files, agent, selector } = bundleFiles();
  const operator = await signIn(browser, 'otto');
  const { version, sequence } = await deployFromConsole(operator, files, selector, agent, 'fix from the console');
  await shot(operator, 'flow-rollout');

  // Its bundle, by the link on the deployment's page, against the
  // standard flows it extends.
  await operator.getByTestId('deployment-version').click();
  await operator.waitForURL(new RegExp(`/flows/bundles/${version}(\\?|$)`), wait);
  await operator.locator(`[data-testid="bundle-file"]`).first().waitFor(wait);
  await operator.getByTestId('diff-against').selectOption('standard');
  await operator.waitForURL(/against=standard/, wait);
  await operator.getByTestId('diff-flow').first().waitFor(wait);
  await shot(operator, 'flow-bundle');

  // A viewer reads the same pages and has no way to upload or deploy.
  const viewer = await signIn(browser, 'vera');
  await viewer.getByTestId('nav-flows').click();
  await viewer.locator(`[data-testid="deployment-row"][data-sequence="${sequence}"]`).waitFor(wait);
  await viewer.locator(`[data-testid="bundle-row"][data-version="${version}"]`).waitFor(wait);
  if ((await viewer.getByTestId('flows-upload').count()) !== 0) throw new Error('a viewer can upload a bundle');
  await shot(viewer, 'flows');
  await viewer.goto(`${url}/flows/bundles/${version}`);
  await viewer.getByTestId('diff-flow').first().waitFor(wait);
  if ((await viewer.getByTestId('deploy-form').count()) !== 0) throw new Error('a viewer can deploy');
}

// Searches `docnum` in the top bar and waits for a trace delivered to the
// CRM with a record id; that id.
async function deliveredRecordId(page, docnum) {
  await page.getByTestId('search-input').first().fill(docnum.replace(/^0+/, ''));
  await page.getByTestId('search-input').first().press('Enter');
  await page.waitForURL(/\/search\?q=/, wait);
  const delivered = page.locator('[data-testid="trace-outcome"][data-outcome="delivered"]').first();
  await delivered.waitFor(wait);
  const id = await page.getByTestId('trace-record-id').first().textContent();
  if (!id) throw new Error(`no CRM record id in the trace of ${docnum}`);
  return id.trim();
}

// A customer the running flow could not map: the fixed bundle is uploaded
// and deployed in the console, the dead letter replayed, and it lands in
// the CRM; searched by its IDoc number, its trace ends at the CRM's record
// id, as does that of a customer the first bundle mapped.
async function fixAndReplayPhase(browser) {
  const { files, agent, selector } = bundleFiles();
  const broken = process.env.FERRY_REPLAY_DOCNUM;
  const operator = await signIn(browser, 'otto');
  const mappedId = await deliveredRecordId(operator, process.env.FERRY_DELIVERED_DOCNUM);
  console.log(`RECORD_ID ${process.env.FERRY_DELIVERED_DOCNUM}=${mappedId}`);
  await shot(operator, 'trace-to-crm');

  await operator.goto(`${url}/dead-letters?docnum=${broken}`);
  const row = operator.locator('[data-testid^="dlq-row-"]');
  await row.first().waitFor(wait);
  await expectText(row.first(), 'mapping failed');

  await deployFromConsole(operator, files, selector, agent, 'map AT');
  await operator.goto(`${url}/dead-letters?docnum=${broken}`);
  await row.first().waitFor(wait);
  const seq = (await row.first().getAttribute('data-testid')).slice('dlq-row-'.length);
  await operator.getByTestId(`dlq-select-${seq}`).check();
  await operator.getByTestId('dlq-replay-selected').click();
  await expectText(operator.getByTestId('dlq-outcome'), 'to its agent to be mapped again');
  // The agent's answer takes it off the list, live.
  await operator.getByTestId(`dlq-row-${seq}`).waitFor({ state: 'detached', timeout: 30000 });
  await shot(operator, 'dead-letter-mapped-again');

  const replayedId = await deliveredRecordId(operator, broken);
  console.log(`RECORD_ID ${broken}=${replayedId}`);
  await operator.locator('[data-testid="trace-step"][data-step="mapped again at its agent"]').first().waitFor(wait);
  await shot(operator, 'trace-mapped-again');
}

// A CRM record committed at the inbound listener, waiting because no
// agent serves its SAP system: on the Down page with its direction and
// what it waits for, and its trace so far.
async function downWaitingPhase(browser) {
  const record = process.env.FERRY_RECORD_ID;
  const viewer = await signIn(browser, 'vera');
  await viewer.getByTestId('nav-down').click();
  await viewer.waitForURL(/\/down$/, wait);
  await viewer.getByTestId('down-table').waitFor(wait);
  await expectText(viewer.getByTestId('down-total'), '1 waiting');
  const direction = await viewer.getByTestId('down-direction-0').textContent();
  if (direction.trim() !== 'down') throw new Error(`the command's direction shows '${direction}', not 'down'`);
  await viewer.locator('[data-testid="down-waiting-0"][data-waiting-for="agent"]').waitFor(wait);
  await expectText(viewer.getByTestId('down-trace-0'), record);
  await shot(viewer, 'down');

  await viewer.getByTestId('down-trace-0').click();
  await viewer.waitForURL(/\/trace\//, wait);
  await expectText(viewer.getByTestId('trace-direction'), 'down: from a CRM into SAP');
  await expectText(viewer.getByTestId('trace-crm-record'), record);
  await viewer.locator('[data-testid="trace-outcome"][data-outcome="in_delivery"]').waitFor(wait);
  await expectText(viewer.locator('[data-testid="trace-step"][data-step="committed"]'), 'from channel salesforce-orders');
  await shot(viewer, 'down-trace-waiting');
}

// The same record once an agent serving its SAP system has made the
// order: no longer waiting, and found by its id, its trace goes from the
// channel into SAP; the write-back on its way to the CRM links back to it.
async function downDonePhase(browser) {
  const record = process.env.FERRY_RECORD_ID;
  const viewer = await signIn(browser, 'vera');
  await viewer.getByTestId('nav-down').click();
  await expectText(viewer.getByTestId('down-total'), 'Nothing waits.');

  await viewer.getByTestId('search-input').first().fill(record);
  await viewer.getByTestId('search-input').first().press('Enter');
  await viewer.waitForURL(/\/search\?q=/, wait);
  const down = viewer
    .locator('article.trace')
    .filter({ has: viewer.locator('[data-testid="trace-direction"]', { hasText: 'down: from a CRM into SAP' }) });
  await down.first().waitFor(wait);
  for (const step of ['committed', 'sent', 'committed_by_agent', 'answered']) {
    await down.locator(`[data-testid="trace-step"][data-step="${step}"]`).first().waitFor(wait);
  }
  await expectText(down.getByTestId('trace-outcome'), 'into SAP');
  const up = viewer
    .locator('article.trace')
    .filter({ has: viewer.locator('[data-testid="trace-direction"]', { hasText: 'up: from SAP to a CRM' }) });
  await up.first().waitFor(wait);
  await up.first().locator('[data-testid="trace-outcome"][data-outcome="delivered"]').waitFor(wait);
  await shot(viewer, 'down-search');
  await up.first().getByTestId('trace-down-command').click();
  await viewer.waitForURL(/\/trace\//, wait);
  await expectText(viewer.getByTestId('trace-direction'), 'down: from a CRM into SAP');
  await shot(viewer, 'down-trace-done');
}

const phases = {
  agents: agentsPhase,
  'dead-letters': deadLettersPhase,
  'alert-rules': alertRulesPhase,
  flows: flowsPhase,
  'fix-and-replay': fixAndReplayPhase,
  'down-waiting': downWaitingPhase,
  'down-done': downDonePhase,
};
if (!phases[phase] || !url || !shots) {
  console.error(
    'usage: FERRY_CONSOLE_URL=... FERRY_CA_FILE=... FERRY_SCREENSHOTS=... node console_browser.mjs agents|dead-letters|alert-rules|flows|fix-and-replay|down-waiting|down-done',
  );
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.FERRY_CHROMIUM ?? '/usr/lib/chromium/chromium',
  env: { ...process.env, HOME: browserHome() },
});
try {
  await phases[phase](browser);
  console.log(`console_browser ${phase}: ok`);
} catch (error) {
  console.error(`console_browser ${phase}: ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
