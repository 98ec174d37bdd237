// End-to-end tests of the console: a real `creditline serve --demo` on a spare port, driven by
// Debian's Chromium (headless) through playwright-core. Screenshots of each page go to the
// artifacts directory.
//
//   node e2e/run.mjs --binary ../build/creditline [--artifacts ../build/web-e2e]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const binary = resolve(args.binary ?? join(here, '../../build/creditline'));
const artifacts = resolve(args.artifacts ?? join(here, '../../build/web-e2e'));
const webRoot = resolve(join(here, '../dist'));
const kTimeoutMs = 30_000;

mkdirSync(artifacts, { recursive: true });
const dataDir = mkdtempSync(join(tmpdir(), 'creditline-e2e-'));
const userDataDir = mkdtempSync(join(tmpdir(), 'creditline-e2e-chromium-'));

function startServer() {
  const server = spawn(binary, ['serve', '--demo', '--data', join(dataDir, 'demo'), '--listen', '127.0.0.1:0', '--web-root', webRoot], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolvePort, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 120_000);
    server.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /\(port (\d+)\)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolvePort({ server, port: Number(match[1]), output });
      }
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

let failures = 0;
async function test(name, body) {
  const started = Date.now();
  try {
    await body();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failures += 1;
    console.log(`FAIL ${name}: ${error.stack ?? error}`);
  }
}
function check(condition, message) {
  if (!condition) throw new Error(message);
}

const { server, port } = await startServer();
const base = `http://127.0.0.1:${port}`;
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1440, height: 900 },
  locale: 'en-US',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
context.setDefaultTimeout(kTimeoutMs);
const page = context.pages()[0] ?? (await context.newPage());
// Whole pages, except with a dialog open (a full-page capture would cut its mask at the viewport).
const shot = (name, fullPage = true) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage });

async function login(username, password) {
  await page.goto(`${base}/login`);
  await page.getByLabel(/User name|用户名/).fill(username);
  await page.getByLabel(/Password|密码/).fill(password);
  await page.getByRole('button', { name: /Sign in|登录/ }).click();
}
async function logout() {
  await page.getByTestId('user-menu').hover();
  await page.getByText(/Log out|退出登录/).click();
  await page.waitForURL(/\/login/);
}
async function exposureOf(customerId) {
  await page.goto(`${base}/customers/${customerId}`);
  await page.getByTestId('utilization-gauge').waitFor();
  return (await page.getByTestId('exposure').locator('.ant-statistic-content').innerText()).trim();
}

try {
  await test('a wrong password is refused', async () => {
    await login('manager', 'wrong-password');
    await page.getByText('Wrong user name or password.').waitFor();
    await shot('01-login-failed');
  });

  await test('a credit manager logs in and lands on the dashboard with its charts', async () => {
    await login('manager', 'manager-demo');
    await page.waitForURL(/\/dashboard/);
    for (const chart of ['trend-chart', 'utilization-chart', 'aging-chart', 'grade-chart']) {
      await page.locator(`[data-testid="${chart}"] canvas`).waitFor();
    }
    await page.getByTestId('top-exposures').locator('.ant-table-row').first().waitFor();
    const figure = async (id) => (await page.getByTestId(id).locator('.ant-statistic-content').innerText()).trim();
    for (const id of ['fig-holds', 'fig-requests', 'fig-alerts']) {
      const value = await figure(id);
      check(/^[1-9]/.test(value), `${id} shows ${value}`);
    }
    check((await figure('fig-exposure')).includes('¥'), 'exposure figure has no amount');
    const days = Number((await page.getByTestId('chart-trend').locator('.ant-card-extra').innerText()).replace(/\D/g, ''));
    check(days >= 300, `the trend has only ${days} days`);
    await page.waitForTimeout(800); // Charts animate in.
    await shot('02-dashboard');
  });

  await test('a credit manager sees the customers', async () => {
    await page.goto(`${base}/customers`);
    await page.locator('.ant-table-row').first().waitFor();
    const rows = await page.locator('.ant-table-row').count();
    check(rows === 20, `expected a page of 20 customers, saw ${rows}`);
    await shot('02-customers');
  });

  let customerName = '';
  await test('finds a customer by name and opens it', async () => {
    await page.getByTestId('customer-search').fill('Shenzhen');
    await page.getByTestId('customer-search').press('Enter');
    await page.waitForURL(/q=Shenzhen/);
    await page.waitForFunction(() => [...document.querySelectorAll('.ant-table-row')].every((row) => row.textContent.includes('Shenzhen')));
    await shot('03-customers-search');
    const link = page.locator('.ant-table-row a').nth(1);
    customerName = await link.innerText();
    await link.click();
    await page.getByTestId('utilization-gauge').waitFor();
    check((await page.getByTestId('customer-name').innerText()) === customerName, 'opened the wrong customer');
    await page.waitForTimeout(500); // Charts animate in.
    await shot('04-customer-detail');
  });

  await test('releasing a hold changes the customer exposure', async () => {
    await page.goto(`${base}/holds`);
    const firstRow = page.locator('.ant-table-row').first();
    await firstRow.waitFor();
    await shot('05-hold-queue');
    const orderId = (await firstRow.locator('td').nth(1).innerText()).trim();
    const customerId = (await firstRow.locator('td').nth(2).innerText()).trim();
    const before = await exposureOf(customerId);
    await page.goto(`${base}/holds`);
    await page.getByTestId(`release-${orderId}`).click();
    await page.getByTestId('decision-reason').fill('Payment promised by the customer');
    await shot('06-hold-release-dialog', false);
    await page.locator('#confirm-decision').click();
    await page.getByText(/1 orders released/).waitFor();
    check((await page.getByTestId(`release-${orderId}`).count()) === 0, `${orderId} is still in the queue`);
    const after = await exposureOf(customerId);
    check(before !== after, `exposure of ${customerId} stayed ${before}`);
    console.log(`     ${orderId} released: ${customerId} exposure ${before} -> ${after}`);
  });

  await test('releases several holds at once', async () => {
    await page.goto(`${base}/holds`);
    await page.locator('.ant-table-row').first().waitFor();
    const total = await page.locator('.ant-table-row').count();
    check(total >= 2, `expected at least two holds, saw ${total}`);
    await page.locator('.ant-table-row .ant-checkbox-input').nth(0).check();
    await page.locator('.ant-table-row .ant-checkbox-input').nth(1).check();
    await page.getByTestId('release-selected').click();
    await page.getByTestId('decision-reason').fill('Reviewed together');
    await page.locator('#confirm-decision').click();
    await page.getByText(/2 orders released/).waitFor();
  });

  await test('the language switches to Chinese and is remembered', async () => {
    await page.goto(`${base}/customers`);
    await page.getByText('中文', { exact: true }).click();
    await page.getByRole('menuitem', { name: /客户/ }).waitFor();
    await page.reload();
    await page.getByRole('menuitem', { name: /客户/ }).waitFor();
    await page.locator('.ant-table-row').first().waitFor();
    const money = await page.locator('.ant-table-row td.ant-table-cell').nth(6).innerText();
    check(money.includes('¥') && !money.includes('CN¥'), `limit not formatted for zh-CN: ${money}`);
    await shot('07-customers-zh');
    await page.goto(`${base}/holds`);
    await page.locator('.ant-table-row').first().waitFor();
    await shot('08-hold-queue-zh');
    await page.getByText('EN', { exact: true }).click();
    await page.getByRole('menuitem', { name: /Customers/ }).waitFor();
  });

  await test('settings: users, tokens and policies (admin)', async () => {
    await logout();
    await login('admin', 'admin-demo');
    await page.waitForURL(/\/dashboard/);
    await page.goto(`${base}/settings`);
    await page.getByText('manager', { exact: true }).waitFor();
    await shot('09-settings-users');
    await page.getByRole('tab', { name: 'API tokens' }).click();
    await page.locator('.ant-tabs-tabpane-active .ant-table-row').first().waitFor();
    await shot('10-settings-tokens');
    await page.getByRole('tab', { name: 'Policies' }).click();
    await page.getByText('key_accounts').waitFor();
    await shot('11-settings-policies');
  });

  await test('a sales user sees a customer but cannot change its limit', async () => {
    await logout();
    await login('sales', 'sales-demo');
    await page.waitForURL(/\/dashboard/);
    await page.goto(`${base}/customers/C10001`);
    await page.getByTestId('read-only').waitFor();
    check((await page.getByTestId('change-limit').count()) === 0, 'sales sees the change-limit button');
    await page.waitForTimeout(500);
    await shot('12-customer-detail-sales');
    // The server refuses it too, even with the session's CSRF token.
    const status = await page.evaluate(async () => {
      const session = await (await fetch('/v1/session')).json();
      const response = await fetch('/v1/customers/C10001/limit', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token, 'Idempotency-Key': 'e2e-sales-limit' },
        body: JSON.stringify({ limit_minor: 1, currency: 'CNY' }),
      });
      return response.status;
    });
    check(status === 403, `sales changing a limit got HTTP ${status}`);
  });

  await test('a credit manager changes a limit and sees it in the limit history', async () => {
    await logout();
    await login('manager', 'manager-demo');
    await page.waitForURL(/\/dashboard/);
    await page.goto(`${base}/customers/C10002`);
    await page.getByTestId('change-limit').click();
    await page.getByTestId('new-limit').fill('1234567.89');
    await page.getByRole('dialog').getByLabel('Reason').fill('Raised after the annual review (e2e)');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Limit changed').waitFor();
    await page.getByText(/1,234,567\.89/).first().waitFor();
    // The limit history tab (the first) shows the change, newest first, with actor and reason.
    await page.getByRole('tab', { name: 'Limit history' }).click();
    const newest = page.getByTestId('limit-history').locator('.ant-table-row').first();
    await newest.getByText('Raised after the annual review (e2e)').waitFor();
    const text = await newest.innerText();
    check(text.includes('CN¥1,234,567.89') && text.includes('manager'), `limit history row: ${text}`);
    await page.getByTestId('history-tabs').scrollIntoViewIfNeeded();
    await shot('13-customer-limit-history');
  });

  await test('the other history tabs and the statement download', async () => {
    await page.getByRole('tab', { name: 'Exposure over time' }).click();
    await page.getByTestId('exposure-chart').waitFor();
    await page.waitForTimeout(800); // The chart animates in.
    await shot('14-customer-exposure');
    await page.getByRole('tab', { name: 'Payments' }).click();
    await page.getByTestId('payments').locator('.ant-table-row').first().waitFor();
    await shot('15-customer-payments');
    await page.getByRole('tab', { name: 'Decisions' }).click();
    await page.getByTestId('decisions').locator('.ant-table-row').first().waitFor();
    await shot('16-customer-decisions');
    await page.getByRole('tab', { name: 'Audit trail' }).click();
    await page.getByTestId('audit-trail').locator('.ant-timeline-item').first().waitFor();
    const firstPage = await page.getByTestId('audit-trail').locator('.ant-timeline-item').count();
    await page.getByTestId('history-more').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="audit-trail"] .ant-timeline-item').length > n, firstPage);
    await shot('17-customer-audit-trail');
    await page.getByRole('tab', { name: 'Score' }).click();
    await page.getByTestId('score').locator('.ant-table-row').first().waitFor();
    await shot('18-customer-score');
    await page.getByRole('tab', { name: 'Statement' }).click();
    await page.getByTestId('statement-download').waitFor();
    await shot('19-customer-statement');
    // The download links answer with the files.
    const hrefs = [await page.getByTestId('download-xlsx').getAttribute('href'), await page.getByTestId('download-csv').getAttribute('href')];
    const answers = await page.evaluate(async (urls) => Promise.all(urls.map(async (url) => {
      const response = await fetch(url);
      return [response.status, response.headers.get('content-type'), (await response.text()).slice(0, 60)];
    })), hrefs);
    check(answers[0][0] === 200 && answers[0][1].includes('spreadsheetml'), `xlsx: ${answers[0]}`);
    check(answers[1][0] === 200 && answers[1][2].startsWith('seq,time,day,actor,event,field'), `csv: ${answers[1]}`);
    // The same page in Chinese.
    await page.getByText('中文', { exact: true }).click();
    await page.getByRole('tab', { name: '额度变更记录' }).click();
    await page.getByTestId('limit-history').locator('.ant-table-row').first().waitFor();
    await shot('20-customer-limit-history-zh');
    await page.getByText('EN', { exact: true }).click();
    await page.getByRole('tab', { name: 'Limit history' }).waitFor();
    await page.goto(`${base}/customers`); // Back to the top of a short page for the next step.
    await page.locator('.ant-table-row').first().waitFor();
  });

  await test('a credit manager acknowledges an alert', async () => {
    await page.goto(`${base}/alerts?acknowledged=false`);
    const firstRow = page.locator('.ant-table-row').first();
    await firstRow.waitFor();
    await shot('13-alerts');
    const button = firstRow.locator('[data-testid^="ack-"]');
    const testId = await button.getAttribute('data-testid');
    await button.click();
    await page.getByText(/1 alerts acknowledged/).waitFor();
    await page.waitForFunction((id) => !document.querySelector(`[data-testid="${id}"]`), testId);
    await page.goto(`${base}/alerts?acknowledged=true`);
    await page.locator('.ant-table-row').first().waitFor();
    // The customer link leads to the customer.
    const customer = (await page.getByTestId('alert-customer').first().innerText()).trim();
    await page.getByTestId('alert-customer').first().click();
    await page.waitForURL(new RegExp(`/customers/${customer}$`));
  });

  await test('reports: tables, charts, a CSV download with its header', async () => {
    await page.goto(`${base}/reports?report=portfolio`);
    await page.locator('[data-testid="report-chart-portfolio"] canvas').waitFor();
    await page.getByTestId('table-portfolio-totals').locator('.ant-table-row').first().waitFor();
    await page.waitForTimeout(600);
    await shot('14-reports-portfolio');
    await page.goto(`${base}/reports?report=aging`);
    await page.getByTestId('table-aging-totals').locator('.ant-table-row').first().waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv-aging-totals').click()]);
    const csv = readFileSync(await download.path(), 'utf8');
    const header = csv.split(/\r?\n/)[0];
    check(header === 'currency,current_minor,days_1_30_minor,days_31_60_minor,days_61_90_minor,over_90_minor,total_minor', `aging CSV header: ${header}`);
    check(/\nCNY,\d+/.test(csv), 'aging CSV has no CNY row');
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('xlsx-aging').click()]);
    check(readFileSync(await xlsx.path()).subarray(0, 2).toString() === 'PK', 'the XLSX download is not a workbook');
    await page.goto(`${base}/reports?report=trend`);
    await page.locator('[data-testid="report-chart-trend"] canvas').waitFor();
    await page.waitForTimeout(600);
    await shot('15-reports-trend');
    await page.goto(`${base}/reports?report=concentration`);
    await page.locator('[data-testid="report-chart-concentration"] canvas').waitFor();
    await page.waitForTimeout(600);
    await shot('16-reports-concentration');
  });

  await test('import: bad rows are listed with their lines, a good file is imported', async () => {
    await page.goto(`${base}/reports?report=data`);
    await page.getByTestId('export-customers').waitFor();
    const [exported] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-limits').click()]);
    check(readFileSync(await exported.path(), 'utf8').startsWith('customer_id,'), 'the limits export has no header');
    await page.getByTestId('import-entity').click();
    await page.getByTitle('Limits', { exact: true }).click();
    const input = page.locator('[data-testid="import-file"] input[type=file]');
    await input.setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('customer_id,currency,limit\nC10001,CNY,abc\nNOPE,CNY,100\n') });
    await page.getByTestId('import-send').click();
    const bad = page.getByTestId('import-bad-rows');
    await bad.locator('.ant-table-row').nth(1).waitFor();
    const lines = await bad.locator('.ant-table-row td:first-child').allInnerTexts();
    check(lines.join(',') === '2,3', `bad rows at lines ${lines}`);
    await shot('17-import-rejected');
    const currency = await page.evaluate(async () => (await (await fetch('/v1/customers/C10005')).json()).account.currency);
    await input.setInputFiles({ name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(`customer_id,currency,limit\nC10005,${currency},777000.00\n`) });
    await page.getByTestId('import-send').click();
    await page.getByTestId('import-result').waitFor();
    const figures = await page.getByTestId('import-result').locator('.ant-statistic-content').allInnerTexts();
    check(figures.join('/') === '1/1/0', `import result ${figures}`);
  });

  await test('the four-eyes rule refuses a credit manager their own limit request', async () => {
    await page.goto(`${base}/limit-requests`);
    await page.getByTestId('new-request').click();
    await page.getByTestId('request-customer').fill('C10004');
    await page.getByTestId('request-customer').press('Enter');
    await page.locator('.ant-modal .ant-descriptions').waitFor();
    await page.getByTestId('request-amount').fill('1,111,111.00');
    await page.getByTestId('request-reason').fill('Large seasonal order');
    await shot('18-limit-request-new', false);
    await page.locator('#submit-request').click();
    await page.getByText(/Request LR-\S+ sent/).waitFor();
    await page.goto(`${base}/limit-requests?status=pending&customer_id=C10004`);
    const row = page.locator('.ant-table-row', { hasText: '1,111,111.00' });
    await row.locator('[data-testid^="approve-"]').click();
    await page.getByTestId('request-decision-reason').fill('Looks fine');
    await page.locator('#confirm-request-decision').click();
    const error = await page.getByTestId('decision-error').innerText();
    check(/cannot approve their own request/.test(error), `four-eyes error: ${error}`);
    await shot('19-limit-request-four-eyes', false);
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  await test('sales asks for a limit; a credit manager approves it and the customer has it', async () => {
    await logout();
    await login('sales', 'sales-demo');
    await page.waitForURL(/\/dashboard/);
    await page.getByTestId('dash-analyst-only').waitFor();
    check((await page.locator('[data-testid="trend-chart"]').count()) === 0, 'sales sees portfolio charts');
    await shot('20-dashboard-sales');
    await page.goto(`${base}/limit-requests`);
    await page.getByTestId('new-request').click();
    await page.getByTestId('request-customer').fill('C10003');
    await page.getByTestId('request-customer').press('Enter');
    await page.locator('.ant-modal .ant-descriptions').waitFor();
    await page.getByTestId('request-amount').fill('2,345,678.00');
    await page.getByTestId('request-reason').fill('New product line; orders doubling');
    await page.locator('#submit-request').click();
    await page.getByText(/Request LR-\S+ sent/).waitFor();
    check((await page.locator('[data-testid^="approve-"]').count()) === 0, 'sales sees approve buttons');
    await logout();
    await login('manager', 'manager-demo');
    await page.waitForURL(/\/dashboard/);
    await page.goto(`${base}/limit-requests?status=pending`);
    await page.locator('.ant-table-row').first().waitFor();
    await shot('21-limit-requests');
    await page.goto(`${base}/limit-requests?status=pending&customer_id=C10003`);
    const row = page.locator('.ant-table-row', { hasText: '2,345,678.00' });
    await row.locator('[data-testid^="approve-"]').click();
    await page.getByTestId('request-decision-reason').fill('Payment record supports it');
    await shot('22-limit-request-approve', false);
    await page.locator('#confirm-request-decision').click();
    await page.getByText(/approved; the new limit applies now/).waitFor();
    await page.goto(`${base}/customers/C10003`);
    await page.getByTestId('utilization-gauge').waitFor();
    await page.getByText(/2,345,678\.00/).first().waitFor();
  });

  await test('in Chinese: the dashboard, translated hold reasons and errors', async () => {
    await page.goto(`${base}/dashboard`);
    await page.getByText('中文', { exact: true }).click();
    await page.getByRole('menuitem', { name: /仪表盘/ }).waitFor();
    await page.locator('[data-testid="trend-chart"] canvas').waitFor();
    await page.getByText('每日趋势：额度、敞口与逾期').waitFor();
    await page.waitForTimeout(800);
    await shot('23-dashboard-zh');
    await page.goto(`${base}/holds`);
    await page.getByTestId('hold-reason').first().waitFor();
    const reasons = await page.getByTestId('hold-reason').allInnerTexts();
    check(reasons.every((r) => /[\u4e00-\u9fff]/.test(r) && !/the (exposure|account|oldest)/.test(r)), `untranslated reasons: ${reasons.slice(0, 3)}`);
    console.log(`     reason in Chinese: ${reasons[0]}`);
    await page.goto(`${base}/limit-requests?status=pending&customer_id=C10004`);
    await page.locator('.ant-table-row [data-testid^="approve-"]').first().click();
    await page.getByTestId('request-decision-reason').fill('同意');
    await page.locator('#confirm-request-decision').click();
    const error = await page.getByTestId('decision-error').innerText();
    check(error.includes('四眼原则'), `four-eyes error in Chinese: ${error}`);
    await page.getByRole('button', { name: /取\s*消/ }).click();
    await page.goto(`${base}/alerts`);
    await page.locator('.ant-table-row').first().waitFor();
    await shot('24-alerts-zh');
    await page.goto(`${base}/reports?report=aging`);
    await page.locator('[data-testid="report-chart-aging"] canvas').waitFor();
    await page.waitForTimeout(600);
    await shot('25-reports-aging-zh');
    await page.getByText('EN', { exact: true }).click();
    await page.getByRole('menuitem', { name: /Dashboard/ }).waitFor();
  });

  await test('settings: scorecard, assessment policy, alert rules and webhooks (admin)', async () => {
    await logout();
    await login('admin', 'admin-demo');
    await page.waitForURL(/\/dashboard/);
    await page.goto(`${base}/settings`);
    await page.getByRole('tab', { name: 'Scorecard' }).click();
    await page.getByTestId('scorecard').locator('.ant-table-row').first().waitFor();
    await page.getByTestId('scorecard-edit').click();
    // A bin list that does not end unbounded is caught before it is sent.
    const bins = page.getByTestId('scorecard').locator('.ant-table-row').first().locator('input').nth(1);
    await bins.fill('7000:0, 8500:40');
    await page.getByTestId('scorecard-save').click();
    await page.getByTestId('scorecard-error').waitFor();
    await bins.fill('7000:0, 8500:40, 9500:70, *:100');
    await page.getByTestId('scorecard-save').click();
    await page.getByText(/Scorecard saved/).waitFor();
    await shot('26-settings-scorecard');
    await page.getByRole('tab', { name: 'Assessment policy' }).click();
    await page.getByTestId('assessment-policy').locator('.ant-descriptions').first().waitFor();
    await shot('27-settings-assessment-policy');
    await page.getByRole('tab', { name: 'Alert rules' }).click();
    await page.getByTestId('alert-rules').locator('input').first().waitFor();
    await page.getByLabel('Long overdue after').fill('45');
    await page.getByTestId('rules-save').click();
    await page.getByText('Alert rules saved').waitFor();
    await shot('28-settings-alert-rules');
    await page.getByRole('tab', { name: 'Webhooks' }).click();
    await page.getByTestId('webhook-add').click();
    await page.getByLabel('ID', { exact: true }).fill('erp-inbox');
    await page.getByLabel('URL', { exact: true }).fill('http://127.0.0.1:9/creditline');
    await page.getByLabel('Signing secret').fill('a-secret-of-enough-length');
    await page.locator('.ant-modal').getByRole('button', { name: 'Save' }).click();
    await page.getByText('Webhook saved').waitFor();
    await page.getByTestId('webhooks').getByText('erp-inbox').waitFor();
    await shot('29-settings-webhooks');
  });

  await test('after logout the console asks to log in again', async () => {
    await logout();
    await page.goto(`${base}/holds`);
    await page.waitForURL(/\/login/);
    await shot('00-login');
  });
} finally {
  await context.close();
  server.kill('SIGTERM');
  await new Promise((done) => server.on('exit', done));
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(userDataDir, { recursive: true, force: true });
}
console.log(`${failures === 0 ? 'all passed' : `${failures} failed`}; screenshots in ${artifacts}`);
process.exit(failures === 0 ? 0 : 1);
