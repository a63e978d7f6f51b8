// Homeroom's browser tests: the journeys of DESIGN section 1 walked by their visible labels in
// headless Chromium against the built binary, with axe-core on every page visited.
//
//   cargo build --bin homeroom && npm ci --prefix e2e && node e2e/run.mjs [NAME…]
//
// HOMEROOM_BIN chooses the binary (default target/debug/homeroom), CHROMIUM the browser
// (default /usr/bin/chromium); names given as arguments run only the journeys whose names
// contain them. E2E_KEEP=1 keeps the temporary database folder, E2E_VERBOSE=1 shows the
// portal's log.

import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startSmtpSink } from './smtp.mjs';
import {
  ARTIFACTS, CAPTCHA_ANSWER, E2E_DIR, REPO, check, demoLogins, fail, freePort, launchBrowser, parseCsv, runTests,
  screenshot, startPortal,
} from './harness.mjs';

const PINE_GROVE = { slug: 'pine-grove', name: 'Pine Grove School District', state: 'NC' };
const OFF_REASON = 'Grades are closed while report cards are prepared';

/** Everything the journeys share: the portal, the mail sink, the demo logins and the families. */
const world = {};

async function setUp() {
  world.smtp = await startSmtpSink();
  world.portal = await startPortal({ smtpPort: world.smtp.port });
  const { cli, dir } = world.portal;

  world.logins = demoLogins(world.portal.output());
  for (const kind of ['parent', 'student', 'staff']) {
    check(world.logins[kind], `serve --demo did not print a ${kind} login:\n${world.portal.output()}`);
  }
  const cedar = world.logins.parent.district;
  world.cedar = cedar;
  await cli(['district', 'set', cedar, 'forgot_password', 'on']);
  await cli(['district', 'set', cedar, 'linking', 'on']);
  // Every browser here shares 127.0.0.1, as a whole school shares one address: the suite's
  // deliberate failures must not bring the address's CAPTCHA to the other journeys.
  await cli(['district', 'set', cedar, 'captcha_after_address_failures', '1000']);

  // A district of generated families, imported like one arriving from its information system.
  const gen = path.join(dir, 'generated');
  await cli(['demo', 'generate', '--students', '40', '--seed', '7', '--out', gen]);
  await cli(['district', 'add', '--slug', PINE_GROVE.slug, '--name', PINE_GROVE.name, '--state', PINE_GROVE.state]);
  await cli(['import', 'oneroster', '--district', PINE_GROVE.slug, gen]);
  await cli(['district', 'set', PINE_GROVE.slug, 'forgot_password', 'on']);
  await cli(['district', 'set', PINE_GROVE.slug, 'forgot_username', 'on']);
  await cli(['district', 'set', PINE_GROVE.slug, 'linking', 'on']);
  await cli(['district', 'set', PINE_GROVE.slug, 'captcha_after_address_failures', '1000']);
  // Its staff journey is the console's; an authenticator app is set up in its own tests.
  await cli(['district', 'set', PINE_GROVE.slug, 'staff_second_factor', 'optional']);
  world.staff = { username: 'pg-admin', password: 'staff ledger willow cabin' };
  await cli(['admin', 'add', '--district', PINE_GROVE.slug, '--username', world.staff.username, '--password-stdin'],
    { input: `${world.staff.password}\n` });

  // The generated families: each guardian with their children and email address.
  const users = parseCsv(await fs.readFile(path.join(gen, 'users.csv'), 'utf8'));
  const byId = new Map(users.map((u) => [u.sourcedId, u]));
  const fullName = (u) => `${u.givenName} ${u.familyName}`;
  const guardians = users
    .filter((u) => u.role !== 'student' && u.role !== 'teacher' && u.role !== 'administrator' && u.agentSourcedIds)
    .map((u) => ({
      id: u.sourcedId,
      name: fullName(u),
      email: u.email,
      children: u.agentSourcedIds.split(',').map((id) => byId.get(id.trim())).filter((s) => s && s.role === 'student')
        .map(fullName),
    }))
    .filter((g) => g.children.length > 0);
  check(guardians.length >= 4, `the generated district has ${guardians.length} guardians with children`);

  const keysFile = path.join(dir, 'keys.csv');
  await cli(['keys', 'generate', '--district', PINE_GROVE.slug, '--role', 'guardian', '--out', keysFile]);
  const keys = new Map(parseCsv(await fs.readFile(keysFile, 'utf8')).map((k) => [k.sourcedId, k.key]));
  for (const g of guardians) g.key = keys.get(g.id);
  check(guardians.every((g) => g.key), 'keys generate left out a guardian without an account');

  // Distinct names so that every family is told apart on screen.
  const names = new Map();
  for (const g of guardians) names.set(g.name, (names.get(g.name) || 0) + 1);
  const pool = guardians.filter((g) => names.get(g.name) === 1 && new Set(g.children).size === g.children.length
    && !g.children.includes(g.name));
  const take = (pred, what) => {
    const i = pool.findIndex(pred);
    check(i >= 0, `no generated guardian ${what}`);
    return pool.splice(i, 1)[0];
  };
  world.threeChildren = take((g) => g.children.length === 3, 'with three children');
  world.withEmail = take((g) => /@/.test(g.email), 'with an email address');
  world.newUser = take(() => true, 'for New User');
  world.linker = take(() => true, 'to link');
  world.spanish = take(() => true, 'who reads Spanish');
  world.twoStep = take(() => true, 'for two-step verification');
  world.passkey = take(() => true, 'for passkeys');

  // Accounts made through the API (the browser journeys make their own through the pages).
  for (const [g, username] of [[world.threeChildren, 'three.kids'], [world.withEmail, 'forgetful.parent'],
    [world.linker, 'linking.parent'], [world.twoStep, 'two.step'], [world.passkey, 'passkey.parent']]) {
    g.username = username;
    g.password = `${username} harbor lantern`;
    const res = await fetch(`${world.portal.base}/api/v1/districts/${PINE_GROVE.slug}/activate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: g.key, username: g.username, password: g.password }),
    });
    check(res.ok, `activating ${g.name} by API: ${res.status} ${await res.text()}`);
  }
  world.browser = await launchBrowser();
}

async function tearDown() {
  await world.browser?.close().catch(() => {});
  await world.portal?.stop().catch(() => {});
  await world.smtp?.close().catch(() => {});
}

// ---- helpers ------------------------------------------------------------------------------

/** The login page of a portal, filled and submitted by label. */
async function logIn(j, page, { slug, portal = 'parent', username, password }) {
  await page.goto(`/d/${slug}/${portal}`);
  await j.a11y(page);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log In' }).click();
  await page.waitForLoadState('load');
}

async function expectHome(j, page, slug, name) {
  await page.waitForURL(`**/d/${slug}/home`);
  await j.a11y(page);
  const heading = await page.getByRole('heading', { level: 1 }).textContent();
  check(heading.includes(`Welcome, ${name}`), `home page heading is ${JSON.stringify(heading)}, not Welcome, ${name}`);
}

/** The children shown on a parent's home page: the level-2 headings of their cards. */
async function childrenShown(page) {
  return (await page.getByRole('heading', { level: 2 }).allTextContents()).map((s) => s.trim());
}

async function descriptionOf(locator) {
  return locator.evaluate((el) => (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent.trim() ?? `(missing #${id})`).join(' '));
}

/** The RFC 6238 code (HMAC-SHA-1, 6 digits, 30 s) of a base-32 secret now, with Node's crypto. */
function totp(base32) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30)));
  const mac = crypto.createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

function isoDate(offsetDays) {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

/** The calendar day `days` after an ISO date (YYYY-MM-DD), as an ISO date. */
function dayAfter(iso, days = 1) {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function isWeekday(iso) {
  const day = new Date(`${iso}T00:00:00Z`).getUTCDay();
  return day !== 0 && day !== 6;
}

// ---- the journeys -------------------------------------------------------------------------

const tests = [
  {
    name: 'Find your district → Parent → Log In',
    async run(j) {
      const parent = world.logins.parent;
      const page = await j.newPage();
      await page.goto('/');
      await j.a11y(page);
      check(await page.getByRole('heading', { name: 'Find your district', level: 1 }).isVisible(), 'no Find your district heading');
      await page.getByLabel('District name').fill('cedar');
      await page.getByLabel('State').selectOption({ label: 'North Carolina' });
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL(/\?q=cedar/);
      await j.a11y(page, 'results');
      const result = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Cedar Valley Public Schools' }) });
      check(await result.count() === 1, 'Cedar Valley is not among the results');
      check(await page.getByRole('heading', { name: 'Lakeshore Unified School District' }).count() === 0,
        'a district of another state is among the results');
      check(await result.getByRole('link', { name: 'Student' }).isVisible(), 'the result has no Student button');
      await result.getByRole('link', { name: 'Parent' }).click();
      await page.waitForURL(`**/d/${parent.district}/parent`);
      await j.a11y(page);
      check(await page.getByText('Cedar Valley Public Schools').first().isVisible(), 'the login page does not name the district');
      check(await page.getByText('North Carolina').isVisible(), 'the login page does not name the state');
      await page.getByLabel('Username').fill(parent.username);
      await page.getByLabel('Password').fill(parent.password);
      await page.getByRole('button', { name: 'Log In' }).click();
      await expectHome(j, page, parent.district, 'Maria Alvarez');
      const children = await childrenShown(page);
      for (const child of ['Sofia Alvarez', 'Mateo Alvarez']) {
        check(children.includes(child), `${child} is not on the parent's home page (shown: ${children.join(', ')})`);
      }
      // Each child's tools open their records.
      const tools = page.getByRole('navigation', { name: 'Tools for Sofia Alvarez' });
      await tools.getByRole('link', { name: 'Today' }).click();
      await page.waitForURL(/\/students\/\d+\/today$/);
      await j.a11y(page);
      check((await page.getByRole('heading', { level: 1 }).textContent()).includes('Sofia Alvarez'), 'Today is not Sofia\'s');
    },
  },
  {
    name: 'En español: Busque su distrito → Padres → Usuario nuevo → Iniciar sesión → Cerrar sesión',
    async run(j) {
      const g = world.spanish;
      const page = await j.newPage({ locale: 'es-MX' });
      const lang = () => page.locator('html').getAttribute('lang');
      await page.goto('/');
      await j.a11y(page);
      check(await lang() === 'es', `the finder is in ${await lang()} for a Spanish browser`);
      check(await page.getByRole('heading', { name: 'Busque su distrito', level: 1 }).isVisible(), 'no Busque su distrito heading');
      await page.getByLabel('Nombre del distrito').fill('pine grove');
      await page.getByRole('button', { name: 'Buscar' }).click();
      await page.waitForURL(/\?q=/);
      await j.a11y(page, 'results');
      await page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: PINE_GROVE.name }) })
        .getByRole('link', { name: 'Padres' }).click();
      await page.waitForURL(`**/d/${PINE_GROVE.slug}/parent`);
      await j.a11y(page);
      // Usuario nuevo, with the key from the district's letter.
      await page.getByRole('link', { name: 'Usuario nuevo' }).click();
      await j.a11y(page);
      await page.getByLabel('Clave de activación').fill(g.key);
      await page.getByRole('button', { name: 'Continuar' }).click();
      await page.waitForLoadState('load');
      await j.a11y(page, 'the key accepted');
      await page.getByLabel('Nombre de usuario').fill('padre.espanol');
      await page.getByLabel('Contraseña').fill('girasol montaña río azul');
      await page.getByRole('button', { name: 'Crear cuenta' }).click();
      await page.waitForURL(`**/d/${PINE_GROVE.slug}/home`);
      await j.a11y(page);
      const welcome = await page.getByRole('heading', { level: 1 }).textContent();
      check(welcome.includes(`Le damos la bienvenida, ${g.name}`), `the home page says ${JSON.stringify(welcome)}`);
      check(await page.getByRole('navigation', { name: `Herramientas de ${g.children[0]}` })
        .getByRole('link', { name: 'Calificaciones' }).isVisible(), 'no Calificaciones for the first child');
      // The switch at the foot of the page: English, then back to Spanish.
      await page.getByRole('button', { name: 'English' }).click();
      await page.waitForURL(`**/d/${PINE_GROVE.slug}/home`);
      await j.a11y(page, 'English');
      check(await lang() === 'en', 'the switch did not change the page to English');
      check((await page.getByRole('heading', { level: 1 }).textContent()).includes(`Welcome, ${g.name}`), 'not Welcome after the switch');
      await page.getByRole('button', { name: 'Español' }).click();
      await page.waitForURL(`**/d/${PINE_GROVE.slug}/home`);
      await j.a11y(page, 'Spanish again');
      check(await lang() === 'es', 'the switch did not change the page back to Spanish');
      await page.getByRole('navigation', { name: 'Cuenta' }).getByRole('button', { name: 'Cerrar sesión' }).click();
      await page.waitForLoadState('load');
      await j.a11y(page, 'logged out');
      // Another browser that asks for English: the account's Spanish follows it after Iniciar sesión.
      const other = await j.newPage({ locale: 'en-US' });
      await other.goto(`/d/${PINE_GROVE.slug}/parent`);
      await j.a11y(other);
      check(await other.locator('html').getAttribute('lang') === 'en', 'an English browser is not greeted in English');
      await other.getByLabel('Username').fill('padre.espanol');
      await other.getByLabel('Password').fill('girasol montaña río azul');
      await other.getByRole('button', { name: 'Log In' }).click();
      await other.waitForURL(`**/d/${PINE_GROVE.slug}/home`);
      await j.a11y(other);
      check((await other.getByRole('heading', { level: 1 }).textContent()).includes(`Le damos la bienvenida, ${g.name}`),
        'the account\'s Spanish did not follow it to another browser');
    },
  },
  {
    name: 'A parent on the Student login page is told the right portal',
    async run(j) {
      const parent = world.logins.parent;
      const page = await j.newPage();
      await logIn(j, page, { slug: parent.district, portal: 'student', ...parent });
      await j.a11y(page, 'wrong portal');
      check(page.url().endsWith(`/d/${parent.district}/student`), `not kept on the login page: ${page.url()}`);
      const alert = await page.getByRole('alert').textContent();
      check(/Parent/.test(alert), `the message does not name the Parent portal: ${JSON.stringify(alert)}`);
      await page.goto(`/d/${parent.district}/home`);
      await j.a11y(page, 'after the refusal');
      check(!page.url().endsWith('/home'), 'the refused login opened the home page anyway');
    },
  },
  {
    name: 'New User with an activation key from homeroom keys generate',
    async run(j) {
      const g = world.newUser;
      const page = await j.newPage();
      await page.goto('/');
      await j.a11y(page);
      await page.getByLabel('District name').fill('pine grove');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL(/\?q=/);
      await j.a11y(page, 'results');
      await page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: PINE_GROVE.name }) })
        .getByRole('link', { name: 'Parent' }).click();
      await page.waitForURL(`**/d/${PINE_GROVE.slug}/parent`);
      await j.a11y(page);
      await page.getByRole('link', { name: 'New User' }).click();
      await page.waitForURL(`**/d/${PINE_GROVE.slug}/activate`);
      await j.a11y(page);
      check(await page.getByText('Contact your school district').isVisible(), 'the key page does not say to contact the district');
      // Typed in lower case with spaces instead of dashes: still the key.
      await page.getByLabel('Activation Key').fill(g.key.toLowerCase().replaceAll('-', ' '));
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForLoadState('load');
      await j.a11y(page, 'account step');
      check(await page.getByText(`This key is for ${g.name}`).isVisible(), `the account step does not name ${g.name}`);
      await page.getByLabel('Username').fill('new.parent');
      await page.getByLabel('Password').fill('willow canoe morning tide');
      await page.getByRole('button', { name: 'Create Account' }).click();
      await expectHome(j, page, PINE_GROVE.slug, g.name);
      const children = await childrenShown(page);
      check(g.children.every((c) => children.includes(c)), `home shows ${children.join(', ')}, not ${g.children.join(', ')}`);

      // The key was used up: a second try is refused, and no second account is made.
      const again = await j.newPage();
      await again.goto(`/d/${PINE_GROVE.slug}/activate`);
      await j.a11y(again);
      await again.getByLabel('Activation Key').fill(g.key);
      await again.getByRole('button', { name: 'Continue' }).click();
      await again.waitForLoadState('load');
      await j.a11y(again, 'used key');
      check(await again.getByRole('alert').isVisible(), 'a used key gave no error');
      check(await again.getByLabel('Activation Key').isVisible(), 'a used key went on to the account step');

      // The new account logs in with its password.
      const login = await j.newPage();
      await logIn(j, login, { slug: PINE_GROVE.slug, username: 'new.parent', password: 'willow canoe morning tide' });
      await expectHome(j, login, PINE_GROVE.slug, g.name);
    },
  },
  {
    name: 'Two-step verification: Settings → Set up an authenticator app → Turn on; then Log In with a recovery code',
    async run(j) {
      const g = world.twoStep;
      const page = await j.newPage();
      await logIn(j, page, { slug: PINE_GROVE.slug, username: g.username, password: g.password });
      await expectHome(j, page, PINE_GROVE.slug, g.name);
      await page.goto(`/d/${PINE_GROVE.slug}/settings`);
      await j.a11y(page);
      await page.getByRole('link', { name: 'Set up an authenticator app' }).click();
      await page.waitForURL('**/settings/second-factor');
      await j.a11y(page);
      check(await page.getByRole('img', { name: 'QR code for your authenticator app' }).isVisible(), 'no QR code');
      const secret = (await page.locator('code.secret').textContent()).trim();
      await page.getByLabel('Verification code').fill('000000');
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.waitForLoadState('load');
      await j.a11y(page, 'wrong code');
      check(await page.getByRole('alert').isVisible(), 'a wrong code showed no error');
      await page.getByLabel('Verification code').fill(totp(secret));
      await page.getByRole('button', { name: 'Turn on' }).click();
      await page.waitForLoadState('load');
      await j.a11y(page, 'recovery codes');
      const codes = (await page.locator('ul.recovery-codes code').allTextContents()).map((c) => c.trim());
      check(codes.length === 10, `${codes.length} recovery codes shown, not 10`);
      await screenshot(page, 'two-step-recovery-codes');

      // Another browser: the password alone asks for the code; a recovery code logs in.
      const other = await j.newPage({ width: 360, height: 780 });
      await logIn(j, other, { slug: PINE_GROVE.slug, username: g.username, password: g.password });
      await j.a11y(other, 'code asked for');
      check(!other.url().endsWith('/home'), 'the password alone logged in');
      const field = other.getByLabel('Verification code');
      check(await field.isVisible(), 'the login form did not ask for the code');
      await other.getByLabel('Password').fill(g.password);
      await field.fill(codes[0]);
      await other.getByRole('button', { name: 'Log In' }).click();
      await expectHome(j, other, PINE_GROVE.slug, g.name);
    },
  },
  {
    name: 'Passkeys: Settings → Add a passkey; Log Out; Sign in with a passkey; remove it, and it signs in no more',
    async run(j) {
      const g = world.passkey;
      // WebAuthn wants a domain name: the portal's public address here is localhost.
      const origin = world.portal.base;
      const page = await j.newPage();
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
          isUserVerified: true, automaticPresenceSimulation: true },
      });
      const login = `${origin}/d/${PINE_GROVE.slug}/parent`;
      await page.goto(login);
      await page.getByLabel('Username').fill(g.username);
      await page.getByLabel('Password').fill(g.password);
      await page.getByRole('button', { name: 'Log In' }).click();
      await expectHome(j, page, PINE_GROVE.slug, g.name);

      await page.goto(`${origin}/d/${PINE_GROVE.slug}/settings`);
      await j.a11y(page);
      await page.getByLabel('Name for the new passkey (optional)').fill('Kitchen laptop');
      await page.getByLabel('Your password').fill(g.password);
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page.getByText('Kitchen laptop', { exact: true }).waitFor();
      await j.a11y(page, 'passkey added');
      await screenshot(page, 'passkeys');
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      check(credentials.length === 1, `${credentials.length} credentials on the authenticator, not 1`);
      check(credentials[0].isResidentCredential, 'the passkey is not discoverable (resident)');

      // Log Out, then the login page's button signs in with no username or password.
      await page.getByRole('button', { name: 'Log Out', exact: true }).click();
      await page.waitForURL(login);
      await j.a11y(page, 'logged out');
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await expectHome(j, page, PINE_GROVE.slug, g.name);
      await page.goto(`${origin}/d/${PINE_GROVE.slug}/settings`);
      check(await page.getByText(/last used/).isVisible(), 'Settings does not say when the passkey was last used');

      await page.getByRole('button', { name: 'Remove this passkey: Kitchen laptop' }).click();
      await page.getByText('This account has no passkeys.').waitFor();
      await j.a11y(page, 'passkey removed');
      // The authenticator still holds the key, but the portal no longer knows it.
      await page.getByRole('button', { name: 'Log Out', exact: true }).click();
      await page.waitForURL(login);
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await page.getByRole('alert').waitFor();
      await j.a11y(page, 'passkey refused');
      check(!page.url().endsWith('/home'), 'a removed passkey signed in');
    },
  },
  {
    name: 'Three wrong passwords bring the CAPTCHA; solved with the right password it logs in',
    async run(j) {
      const student = world.logins.student;
      const page = await j.newPage();
      await page.goto(`/d/${student.district}/student`);
      await j.a11y(page);
      const captcha = page.getByLabel('Letters in the picture');
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        check(await captcha.count() === 0, `the CAPTCHA was asked for before failure ${attempt}`);
        await page.getByLabel('Username').fill(student.username);
        await page.getByLabel('Password').fill(`not the password ${attempt}`);
        await page.getByRole('button', { name: 'Log In' }).click();
        await page.waitForLoadState('load');
        await j.a11y(page, `failure ${attempt}`);
        check(await page.getByRole('alert').isVisible(), `failure ${attempt} showed no error`);
      }
      check(await captcha.isVisible(), 'no CAPTCHA after three failed logins');
      check(await page.getByRole('group', { name: 'Show that you are a person' }).getByRole('img').isVisible(),
        'the CAPTCHA has no picture');
      // The right password with a wrong answer is refused.
      await page.getByLabel('Username').fill(student.username);
      await page.getByLabel('Password').fill(student.password);
      await captcha.fill('WRONG');
      await page.getByRole('button', { name: 'Log In' }).click();
      await page.waitForLoadState('load');
      await j.a11y(page, 'wrong CAPTCHA');
      check(!page.url().endsWith('/home'), 'a wrong CAPTCHA answer logged in');
      check(await captcha.isVisible(), 'a wrong CAPTCHA answer did not ask again');
      // The right password and the right answer log in.
      await page.getByLabel('Username').fill(student.username);
      await page.getByLabel('Password').fill(student.password);
      await captcha.fill(CAPTCHA_ANSWER);
      await page.getByRole('button', { name: 'Log In' }).click();
      await expectHome(j, page, student.district, 'Sofia Alvarez');
      const shown = await childrenShown(page);
      check(shown.length === 1 && shown[0] === 'Sofia Alvarez', `a student's home shows ${shown.join(', ')}`);
    },
  },
  {
    name: 'Forgot your password? by mail through SMTP, a new password, then Log In',
    async run(j) {
      const g = world.withEmail;
      const page = await j.newPage();
      await page.goto(`/d/${PINE_GROVE.slug}/parent`);
      await j.a11y(page);
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.waitForURL(`**/d/${PINE_GROVE.slug}/password/forgot`);
      await j.a11y(page);
      const since = world.smtp.messages.length;
      await page.getByLabel('Username').fill(g.username);
      await page.getByRole('button', { name: 'Send the link' }).click();
      await page.waitForLoadState('load');
      await j.a11y(page, 'sent');
      check(await page.getByRole('status').isVisible(), 'no confirmation after asking for the link');

      const mail = await world.smtp.waitFor((m, i) => world.smtp.messages.indexOf(m) >= since
        && m.to.includes(g.email) && /password\/reset\?token=/.test(m.text));
      const link = /(https?:\/\/\S+\/password\/reset\?token=[\w%-]+)/.exec(mail.text)?.[1];
      check(link, `no reset link in the mail:\n${mail.text}`);
      check(link.startsWith(world.portal.base), `the link ${link} is not on the portal ${world.portal.base}`);
      check(mail.text.includes(g.username), 'the mail does not name the account');

      await page.goto(link);
      await j.a11y(page);
      const newPassword = 'lighthouse pepper autumn';
      await page.getByLabel('New password').fill(newPassword);
      await page.getByRole('button', { name: 'Change Password' }).click();
      await page.waitForLoadState('load');
      await j.a11y(page, 'changed');
      check(await page.getByRole('status').isVisible(), 'no confirmation after the new password');
      // "Your password was changed" goes to the same address.
      await world.smtp.waitFor((m) => world.smtp.messages.indexOf(m) > world.smtp.messages.indexOf(mail)
        && m.to.includes(g.email));

      // The link works once.
      const reuse = await j.newPage();
      await reuse.goto(link);
      await j.a11y(reuse, 'used link');
      await reuse.getByLabel('New password').fill('another fresh passphrase');
      await reuse.getByRole('button', { name: 'Change Password' }).click();
      await reuse.waitForLoadState('load');
      await j.a11y(reuse, 'used link submitted');
      check(/used already/.test(await reuse.getByRole('alert').textContent()), 'a used reset link gave no error');
      check(await reuse.getByRole('status').count() === 0, 'a used reset link changed the password again');

      // The old password no longer works; the new one does.
      const old = await j.newPage();
      await logIn(j, old, { slug: PINE_GROVE.slug, username: g.username, password: g.password });
      await j.a11y(old, 'old password');
      check(!old.url().endsWith('/home'), 'the old password still logs in');
      const fresh = await j.newPage();
      await logIn(j, fresh, { slug: PINE_GROVE.slug, username: g.username, password: newPassword });
      await expectHome(j, fresh, PINE_GROVE.slug, g.name);
      g.password = newPassword;
    },
  },
  {
    name: 'Forgot your username? mails the usernames, and answers the same for an unknown address',
    async run(j) {
      const g = world.withEmail;
      const page = await j.newPage();
      await page.goto(`/d/${PINE_GROVE.slug}/parent`);
      await j.a11y(page);
      await page.getByRole('link', { name: 'Forgot your username?' }).click();
      await page.waitForURL(`**/d/${PINE_GROVE.slug}/username/forgot`);
      await j.a11y(page);
      const since = world.smtp.messages.length;
      await page.getByLabel('Email address').fill(g.email);
      await page.getByRole('button', { name: 'Send my usernames' }).click();
      await page.waitForLoadState('load');
      await j.a11y(page, 'sent');
      const answer = (await page.getByRole('status').textContent()).trim();
      const mail = await world.smtp.waitFor((m) => world.smtp.messages.indexOf(m) >= since && m.to.includes(g.email)
        && m.text.includes(g.username));
      check(!/password\/reset/.test(mail.text), 'the usernames mail carries a reset link');

      const other = await j.newPage();
      await other.goto(`/d/${PINE_GROVE.slug}/username/forgot`);
      await j.a11y(other);
      await other.getByLabel('Email address').fill('nobody.at.all@example.org');
      await other.getByRole('button', { name: 'Send my usernames' }).click();
      await other.waitForLoadState('load');
      await j.a11y(other, 'unknown address');
      const unknown = (await other.getByRole('status').textContent()).trim();
      check(unknown === answer, `the answers differ: ${JSON.stringify(answer)} and ${JSON.stringify(unknown)}`);
      await new Promise((r) => setTimeout(r, 1500));
      check(!world.smtp.messages.some((m) => m.to.includes('nobody.at.all@example.org')), 'mail went to an unknown address');
    },
  },
  {
    name: 'A district in maintenance answers with its message',
    async run(j) {
      const slug = 'lakeshore';
      const message = 'The portal is being updated. Back at 6 pm.';
      const page = await j.newPage();
      const before = await page.goto(`/d/${slug}/parent`);
      await j.a11y(page);
      check(before.status() === 200, `the login page answered ${before.status()} before maintenance`);
      await world.portal.cli(['district', 'set', slug, 'maintenance', message]);
      try {
        const during = await page.goto(`/d/${slug}/parent`);
        await j.a11y(page, 'maintenance');
        check(during.status() === 503, `the login page answered ${during.status()} in maintenance, not 503`);
        check(await page.getByText(message).isVisible(), 'the maintenance message is not shown');
        check(await page.getByRole('button', { name: 'Log In' }).count() === 0, 'the login form is still offered');
        await page.goto('/?q=lakeshore');
        await j.a11y(page, 'finder in maintenance');
        check(await page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Lakeshore Unified School District' }) })
          .getByText(message).isVisible(), 'the finder does not show the maintenance message');
      } finally {
        await world.portal.cli(['district', 'set', slug, 'maintenance', 'off']);
      }
      const after = await page.goto(`/d/${slug}/parent`);
      await j.a11y(page, 'after');
      check(after.status() === 200, `the login page answered ${after.status()} after maintenance`);
      check(await page.getByRole('button', { name: 'Log In' }).isVisible(), 'no Log In after maintenance');
    },
  },
  {
    name: 'A parent sees their children but not one whose portal access is off',
    async run(j) {
      const g = world.threeChildren;
      const [kept1, kept2, hidden] = g.children;
      const parent = await j.newPage();
      await logIn(j, parent, { slug: PINE_GROVE.slug, username: g.username, password: g.password });
      await expectHome(j, parent, PINE_GROVE.slug, g.name);
      let children = await childrenShown(parent);
      check(g.children.every((c) => children.includes(c)), `before: home shows ${children.join(', ')}, not all of ${g.children.join(', ')}`);
      const hiddenToday = await parent.getByRole('navigation', { name: `Tools for ${hidden}` })
        .getByRole('link', { name: 'Today' }).getAttribute('href');

      // District staff turn portal access off for one child in the Staff Console.
      const staff = await j.newPage();
      await logIn(j, staff, { slug: PINE_GROVE.slug, portal: 'staff', ...world.staff });
      await staff.waitForURL(`**/d/${PINE_GROVE.slug}/home`);
      await j.a11y(staff);
      await staff.getByRole('link', { name: 'Staff Console' }).click();
      await staff.waitForURL(`**/d/${PINE_GROVE.slug}/admin`);
      await j.a11y(staff);
      await staff.getByLabel('Find a person or an account').fill(g.username);
      await staff.getByRole('button', { name: 'Search' }).click();
      await staff.waitForURL(/\/admin\?q=/);
      await j.a11y(staff, 'search');
      await staff.getByRole('link', { name: g.name }).click();
      await staff.waitForURL(/\/admin\/people\/\d+$/);
      await j.a11y(staff);
      const relation = staff.getByRole('listitem').filter({ has: staff.getByRole('link', { name: hidden }) });
      await relation.getByRole('button', { name: 'Turn Portal Access Off' }).click();
      await staff.waitForLoadState('load');
      await j.a11y(staff, 'portal off');
      check(await staff.getByRole('listitem').filter({ has: staff.getByRole('link', { name: hidden }) })
        .getByRole('button', { name: 'Turn Portal Access On' }).isVisible(), 'the console does not show the access as off');

      // The parent now sees the other two, and the third's records answer Page not found.
      await parent.reload();
      await j.a11y(parent, 'after');
      children = await childrenShown(parent);
      check(children.includes(kept1) && children.includes(kept2), `after: home shows ${children.join(', ')}, not ${kept1} and ${kept2}`);
      check(!children.includes(hidden), `after: ${hidden} is still on the home page`);
      check(!(await parent.content()).includes(hidden), `${hidden}'s name is still somewhere on the page`);
      const response = await parent.goto(hiddenToday);
      await j.a11y(parent, 'hidden child');
      check(response.status() === 404, `${hidden}'s Today answered ${response.status()}, not 404`);
      check(await parent.getByRole('heading', { name: 'Page not found' }).isVisible(), 'no Page not found');
    },
  },
  {
    name: 'A tool in an off-window shows its reason',
    async run(j) {
      const parent = world.logins.parent;
      const page = await j.newPage();
      await logIn(j, page, { slug: parent.district, ...parent });
      await expectHome(j, page, parent.district, 'Maria Alvarez');
      const tools = page.getByRole('navigation', { name: 'Tools for Mateo Alvarez' });
      const grades = tools.getByRole('link', { name: 'Grades' });
      check(await grades.isVisible(), 'Grades is not in the menu before the window');
      const gradesHref = await grades.getAttribute('href');

      // Off from yesterday to tomorrow: today in any time zone.
      const out = await world.portal.cli(['district', 'tools', parent.district, 'window', 'grades',
        '--from', isoDate(-1), '--to', isoDate(1), '--reason', OFF_REASON]);
      try {
        await page.reload();
        await j.a11y(page, 'window');
        check(await grades.count() === 0, 'Grades is still in the menu during the window');
        check(await page.getByText(`Grades is not available: ${OFF_REASON}`).first().isVisible(),
          'the home page does not give the reason');
        const response = await page.goto(gradesHref);
        await j.a11y(page, 'refused');
        check(response.status() >= 400, `Grades answered ${response.status()} during the window`);
        check(await page.getByRole('heading', { name: 'This tool is turned off' }).isVisible(), 'no "This tool is turned off"');
        check(await page.getByText(OFF_REASON).isVisible(), 'the refusal does not give the reason');
      } finally {
        const listing = await world.portal.cli(['district', 'tools', parent.district, 'list']);
        const id = /(\d+)[^\n]*grades[^\n]*\n?/i.exec(listing.split('\n').find((l) => l.includes(OFF_REASON)) || '')?.[1]
          ?? /(\d+)/.exec(out)?.[1];
        if (id) await world.portal.cli(['district', 'tools', parent.district, 'remove-window', id]);
      }
      const back = await page.goto(gradesHref);
      await j.a11y(page, 'after the window');
      check(back.status() === 200, `Grades answered ${back.status()} after the window was removed`);
    },
  },
  {
    name: 'Linked Districts → Generate → Link → Switch → Unlink',
    async run(j) {
      const parent = world.logins.parent;
      const maria = await j.newPage();
      await logIn(j, maria, { slug: parent.district, ...parent });
      await expectHome(j, maria, parent.district, 'Maria Alvarez');
      await maria.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Linked Districts' }).click();
      await maria.waitForURL(`**/d/${parent.district}/links`);
      await j.a11y(maria);
      await maria.getByRole('link', { name: 'Manage Districts' }).click();
      await maria.waitForURL(`**/links/manage`);
      await j.a11y(maria);
      const generate = maria.getByRole('region', { name: 'Generate a code from this district' });
      await generate.getByRole('button', { name: 'Generate', exact: true }).click();
      await maria.waitForLoadState('load');
      await j.a11y(maria, 'code');
      const code = (await maria.getByRole('region', { name: 'Generate a code from this district' })
        .getByRole('button', { name: 'Copy' }).getAttribute('data-copy'))?.trim();
      check(code && /^[A-Z0-9-]{6,}$/i.test(code), `no code shown: ${code}`);
      check(await maria.getByText(code, { exact: true }).isVisible(), 'the code is not shown as text');

      const g = world.linker;
      const other = await j.newPage();
      await logIn(j, other, { slug: PINE_GROVE.slug, username: g.username, password: g.password });
      await expectHome(j, other, PINE_GROVE.slug, g.name);
      await other.getByRole('link', { name: 'Linked Districts' }).click();
      await other.waitForURL(`**/d/${PINE_GROVE.slug}/links`);
      await j.a11y(other);
      check(await other.getByRole('button', { name: 'Switch' }).count() === 0, 'Switch offered before any link');
      await other.getByRole('link', { name: 'Manage Districts' }).click();
      await other.waitForURL('**/links/manage');
      await j.a11y(other);
      const enter = other.getByRole('region', { name: 'Enter the code generated from another district' });
      await enter.getByLabel('Code').fill(code);
      await enter.getByRole('button', { name: 'Link' }).click();
      await other.waitForLoadState('load');
      await j.a11y(other, 'linked');
      check(await other.getByRole('alert').count() === 0, `linking failed: ${await other.getByRole('alert').allTextContents()}`);
      if (!other.url().endsWith('/links')) {
        await other.goto(`/d/${PINE_GROVE.slug}/links`);
        await j.a11y(other, 'linked');
      }
      const card = other.getByRole('listitem').filter({ hasText: 'Cedar Valley Public Schools' });
      check(await card.count() === 1, 'the linked account is not listed');
      await card.getByRole('button', { name: 'Switch' }).click();
      await expectHome(j, other, parent.district, 'Maria Alvarez');
      check(await other.getByText(`as ${parent.username}`).isVisible(), 'the switch did not open Maria\'s account');

      // The code was single-use.
      await maria.goto(`/d/${parent.district}/links`);
      await j.a11y(maria, 'after');
      const back = maria.getByRole('listitem').filter({ hasText: PINE_GROVE.name });
      check(await back.getByRole('button', { name: 'Switch' }).isVisible(), 'the link is not listed on the other side');

      // Unlink undoes it on both sides.
      await back.getByRole('button', { name: 'Unlink' }).click();
      await maria.waitForLoadState('load');
      await j.a11y(maria, 'unlinked');
      if (!maria.url().endsWith('/links')) {
        await maria.goto(`/d/${parent.district}/links`);
        await j.a11y(maria, 'unlinked');
      }
      check(await maria.getByRole('button', { name: 'Switch' }).count() === 0, 'Switch is still offered after Unlink');
      const second = await j.newPage();
      await logIn(j, second, { slug: PINE_GROVE.slug, username: g.username, password: g.password });
      await expectHome(j, second, PINE_GROVE.slug, g.name);
      await second.goto(`/d/${PINE_GROVE.slug}/links`);
      await j.a11y(second, 'unlinked');
      check(await second.getByRole('button', { name: 'Switch' }).count() === 0, 'the other district still offers Switch');
    },
  },
  {
    name: 'Log Out',
    async run(j) {
      const parent = world.logins.parent;
      const page = await j.newPage();
      await logIn(j, page, { slug: parent.district, ...parent });
      await expectHome(j, page, parent.district, 'Maria Alvarez');
      await page.getByRole('button', { name: 'Log Out' }).click();
      await page.waitForLoadState('load');
      await j.a11y(page, 'logged out');
      check(!page.url().endsWith('/home'), `Log Out stayed at ${page.url()}`);
      await page.goto(`/d/${parent.district}/home`);
      await j.a11y(page, 'home after logout');
      check(!page.url().endsWith('/home') || await page.getByText('Welcome').count() === 0,
        'the home page still opens after Log Out');
      check(await page.getByRole('button', { name: 'Log In' }).isVisible(), 'not sent to Log In after Log Out');
    },
  },
  {
    name: 'The installable app shows Connection Error offline',
    async run(j) {
      const parent = world.logins.parent;
      const page = await j.newPage({ serviceWorkers: 'allow' });
      await page.goto(`/d/${parent.district}/parent`);
      await j.a11y(page);
      const manifest = await page.evaluate(() => document.querySelector('link[rel=manifest]')?.href);
      check(manifest, 'no web app manifest');
      await page.evaluate(() => navigator.serviceWorker.ready);
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
      await page.context().setOffline(true);
      try {
        await page.goto(`/d/${parent.district}/home`);
        await j.a11y(page, 'offline');
        check(await page.getByRole('heading', { name: 'Connection Error', level: 1 }).isVisible(), 'no Connection Error page');
        check(await page.getByText('Check your Internet connection').isVisible(), 'no advice to check the connection');
        // The cached style sheet applies.
        const styled = await page.evaluate(() => getComputedStyle(document.body).display);
        check(styled === 'flex', 'the style sheet was not served from the cache');
      } finally {
        await page.context().setOffline(false);
      }
      await page.getByRole('link', { name: 'Try again' }).click();
      await page.waitForURL((url) => url.pathname === '/');
      await j.a11y(page, 'back online');
      check(await page.getByRole('heading', { name: 'Find your district' }).isVisible(), 'Try again did not reach the portal');
    },
  },
  {
    name: 'Log in by keyboard alone',
    async run(j) {
      const parent = world.logins.parent;
      const page = await j.newPage();
      await page.goto(`/d/${parent.district}/parent`);
      await j.a11y(page);
      const focused = () => page.evaluate(() => {
        const el = document.activeElement;
        return { tag: el.tagName, id: el.id, text: el.textContent.trim(), label: el.labels?.[0]?.textContent.trim() ?? '' };
      });
      await page.keyboard.press('Tab');
      const first = await focused();
      check(first.text === 'Skip to main content', `the first Tab reaches ${JSON.stringify(first)}, not the skip link`);
      let reached = null;
      for (let i = 0; i < 10 && !reached; i += 1) {
        await page.keyboard.press('Tab');
        const now = await focused();
        if (now.label === 'Username') reached = now;
      }
      check(reached, 'Tab never reaches the Username field');
      await page.keyboard.type(parent.username);
      await page.keyboard.press('Tab');
      check((await focused()).label === 'Password', 'Tab from Username does not reach Password');
      await page.keyboard.type(parent.password);
      await page.keyboard.press('Enter');
      await expectHome(j, page, parent.district, 'Maria Alvarez');
      // The account menu's Log Out works by keyboard too.
      await page.getByRole('button', { name: 'Log Out' }).focus();
      await Promise.all([page.waitForURL((url) => !url.pathname.endsWith('/home')), page.keyboard.press('Enter')]);
      await page.waitForLoadState('load');
      await j.a11y(page, 'logged out');
      check(!page.url().endsWith('/home'), 'Enter on Log Out did not log out');
    },
  },
  {
    name: 'Focus is visible on every control',
    async run(j) {
      const g = world.threeChildren;
      const page = await j.newPage();
      // Tab through the page; each control reached must draw a focus indicator, and an outline
      // must stand out from what is behind it (3:1, WCAG 1.4.11).
      const walk = async (where) => {
        const seen = [];
        const problems = [];
        for (let i = 0; i < 80; i += 1) {
          await page.keyboard.press('Tab');
          const state = await page.evaluate(() => {
            const el = document.activeElement;
            if (!el || el === document.body) return null;
            const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
            const luminance = ([r, g, b]) => {
              const lin = (v) => { const x = v / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
              return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
            };
            // The outline is drawn outside the control, over its parent's background.
            let behind = [255, 255, 255];
            for (let a = el.parentElement; a; a = a.parentElement) {
              const c = rgb(getComputedStyle(a).backgroundColor);
              if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) { behind = c.slice(0, 3); break; }
            }
            const style = getComputedStyle(el);
            const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
            let contrast = null;
            if (outline) {
              const [l1, l2] = [luminance(rgb(style.outlineColor)), luminance(behind)].sort((a, b) => b - a);
              contrast = (l1 + 0.05) / (l2 + 0.05);
            }
            return {
              what: `${el.tagName.toLowerCase()} "${(el.labels?.[0]?.textContent || el.textContent || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 40)}"`,
              key: el.outerHTML.slice(0, 200),
              outline: outline ? `${style.outlineWidth} ${style.outlineStyle} ${style.outlineColor}` : null,
              contrast,
              shadow: style.boxShadow !== 'none' ? style.boxShadow : null,
            };
          });
          if (!state) break;
          if (seen.includes(state.key)) break; // wrapped around
          seen.push(state.key);
          if (!state.outline && !state.shadow) problems.push(`${state.what}: no outline or shadow`);
          else if (state.outline && state.contrast < 3) {
            problems.push(`${state.what}: outline ${state.outline} has contrast ${state.contrast.toFixed(2)}:1 with its background`);
          }
        }
        check(seen.length >= 3, `${where}: Tab reached only ${seen.length} control(s)`);
        check(problems.length === 0, `${where}: focus not visible enough on\n    ${problems.join('\n    ')}`);
      };
      await page.goto(`/d/${PINE_GROVE.slug}/parent`);
      await j.a11y(page);
      await walk('login page');
      await logIn(j, page, { slug: PINE_GROVE.slug, username: g.username, password: g.password });
      await expectHome(j, page, PINE_GROVE.slug, g.name);
      await walk('home page');
      await page.getByRole('navigation', { name: `Tools for ${g.children[0]}` }).getByRole('link', { name: 'Grades' }).click();
      await page.waitForURL(/\/grades$/);
      await j.a11y(page);
      await walk('Grades');
      await page.goto('/?q=grove');
      await j.a11y(page);
      await walk('district finder');
    },
  },
  {
    name: 'Form errors are tied to their fields',
    async run(j) {
      const page = await j.newPage();
      // A failed login: both fields are described by the error.
      await logIn(j, page, { slug: PINE_GROVE.slug, username: 'nobody.here', password: 'not a real password' });
      await j.a11y(page, 'failed');
      const error = (await page.getByRole('alert').textContent()).trim();
      check(error.length > 0, 'no error after a failed login');
      for (const label of ['Username', 'Password']) {
        const field = page.getByLabel(label);
        check((await descriptionOf(field)).includes(error), `${label} is not described by the error "${error}"`);
        check(await field.getAttribute('aria-invalid') === 'true', `${label} is not marked invalid`);
      }

      // New User: a common password is refused on the Password field.
      const key = world.linker.key; // used already: check the key step's error instead
      await page.goto(`/d/${PINE_GROVE.slug}/activate`);
      await j.a11y(page);
      await page.getByLabel('Activation Key').fill(key);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForLoadState('load');
      await j.a11y(page, 'used key');
      const keyError = (await page.getByRole('alert').textContent()).trim();
      const keyField = page.getByLabel('Activation Key');
      check((await descriptionOf(keyField)).includes(keyError), `Activation Key is not described by "${keyError}"`);
      check(await keyField.getAttribute('aria-invalid') === 'true', 'Activation Key is not marked invalid');

      // Change Password: a wrong current password and a too-short new one, each on its field.
      const g = world.threeChildren;
      await logIn(j, page, { slug: PINE_GROVE.slug, username: g.username, password: g.password });
      await expectHome(j, page, PINE_GROVE.slug, g.name);
      await page.getByRole('link', { name: 'Change Password' }).click();
      await page.waitForURL('**/password');
      await j.a11y(page);
      await page.getByLabel('Current Password').fill('not my password at all');
      await page.getByLabel('New Password').fill('short');
      await page.getByRole('button', { name: 'Change Password' }).click();
      await page.waitForLoadState('load');
      await j.a11y(page, 'errors');
      for (const label of ['Current Password', 'New Password']) {
        const field = page.getByLabel(label);
        const invalid = await field.getAttribute('aria-invalid');
        const description = await descriptionOf(field);
        // A form may stop at the first problem: every field marked invalid must say why.
        if (invalid === 'true') {
          const shown = await page.locator('.error').allTextContents();
          check(shown.some((e) => description.includes(e.trim())), `${label} is invalid but not described by its error`);
        }
      }
      const invalidCount = await page.locator('[aria-invalid="true"]').count();
      check(invalidCount >= 1, 'no field marked invalid after a wrong current password');
    },
  },
  {
    name: 'Screenshots of the main pages at 360 px and 1280 px',
    async run(j) {
      const g = world.threeChildren;
      for (const width of [360, 1280]) {
        const page = await j.newPage({ width, height: width < 600 ? 780 : 900 });
        await page.goto('/?q=valley');
        await j.a11y(page, `${width} px`);
        await screenshot(page, 'finder');
        await page.goto(`/d/${PINE_GROVE.slug}/parent`);
        await j.a11y(page, `${width} px`);
        await screenshot(page, 'login');
        await page.goto(`/d/${PINE_GROVE.slug}/activate`);
        await j.a11y(page, `${width} px`);
        await screenshot(page, 'new-user');
        await logIn(j, page, { slug: PINE_GROVE.slug, username: g.username, password: g.password });
        await expectHome(j, page, PINE_GROVE.slug, g.name);
        await screenshot(page, 'home');
        if (width === 360) await screenshot(page, 'readme-home', { fullPage: false });
        const tools = page.getByRole('navigation', { name: `Tools for ${g.children[0]}` });
        for (const tool of ['Today', 'Calendar', 'Assignments', 'Grades', 'Attendance', 'Schedule']) {
          const link = tools.getByRole('link', { name: tool });
          if (await link.count() === 0) fail(`${tool} is missing from ${g.children[0]}'s menu`);
          const href = await link.getAttribute('href');
          const response = await page.goto(href);
          check(response.status() === 200, `${tool} answered ${response.status()}`);
          await j.a11y(page, `${width} px`);
          await screenshot(page, tool.toLowerCase());
          if (width === 1280 && tool === 'Grades') await screenshot(page, 'readme-grades', { fullPage: false });
          await page.goBack();
        }
        await page.goto(`/d/${PINE_GROVE.slug}/notifications`);
        await j.a11y(page, `${width} px`);
        await screenshot(page, 'notifications');
        for (const [where, name] of [['access-log', 'access-log'], ['settings', 'settings'], ['links', 'linked-districts'],
          ['links/manage', 'manage-districts'], ['password', 'change-password']]) {
          await page.goto(`/d/${PINE_GROVE.slug}/${where}`);
          await j.a11y(page, `${width} px`);
          await screenshot(page, name);
        }
        await page.goto('/offline');
        await j.a11y(page, `${width} px`);
        await screenshot(page, 'connection-error');
        // The staff console.
        const staff = await j.newPage({ width, height: width < 600 ? 780 : 900 });
        await logIn(j, staff, { slug: PINE_GROVE.slug, portal: 'staff', ...world.staff });
        await staff.waitForURL('**/home');
        await j.a11y(staff, `${width} px`);
        for (const [where, name] of [['admin?q=a', 'staff-console'], ['admin/tools', 'portal-tools'], ['admin/messages', 'send-a-message'], ['admin/sync', 'rostering']]) {
          await staff.goto(`/d/${PINE_GROVE.slug}/${where}`);
          await j.a11y(staff, `${width} px`);
          await screenshot(staff, name);
        }
      }
    },
  },
  {
    name: 'Absence Request: parent requests → staff approves → parent sees it approved and the day excused',
    async run(j) {
      const { cli, dir } = world.portal;
      const slug = PINE_GROVE.slug;
      const g = world.threeChildren;
      const child = g.children[0];
      const note = 'Get well soon';
      const comment = 'Fever since last night; staying home to rest.';

      // The operator offers the tool ("both" portals is the parents' alone for this one).
      const switched = await cli(['district', 'tools', slug, 'on', 'absence_requests']);
      check(/absence_requests on/.test(switched), `the switch answered ${JSON.stringify(switched)}`);

      // The child's records in the generated files: their school, the days without school and
      // the days the district recorded already (a recorded day hides the family's mark).
      const gen = path.join(dir, 'generated');
      const read = async (file) => parseCsv(await fs.readFile(path.join(gen, file), 'utf8'));
      const [users, orgs, calendar, attendance] = await Promise.all(
        ['users.csv', 'orgs.csv', 'calendar.csv', 'attendance.csv'].map(read),
      );
      const student = users.find((u) => u.role === 'student' && `${u.givenName} ${u.familyName}` === child
        && (users.find((p) => p.sourcedId === g.id)?.agentSourcedIds || '').split(',').map((s) => s.trim()).includes(u.sourcedId));
      check(student, `${child} is not among the generated students`);
      const schoolIds = student.orgSourcedIds.split(',').map((s) => s.trim());
      const school = orgs.find((o) => o.type === 'school' && schoolIds.includes(o.sourcedId))?.name;
      check(school, `no school for ${child} in orgs.csv`);
      const noSchool = new Set(calendar.filter((c) => !c.schoolSourcedId || schoolIds.includes(c.schoolSourcedId))
        .map((c) => c.date));
      const recorded = new Set(attendance.filter((a) => a.userSourcedId === student.sourcedId).map((a) => a.date));

      // The parent opens the child's Absence Request from the home page.
      const page = await j.newPage();
      await logIn(j, page, { slug, username: g.username, password: g.password });
      await expectHome(j, page, slug, g.name);
      await page.getByRole('navigation', { name: `Tools for ${child}` }).getByRole('link', { name: 'Absence Request' }).click();
      await page.waitForURL(/\/students\/\d+\/absence_requests$/);
      const toolUrl = page.url();
      await j.a11y(page);
      const heading = (await page.getByRole('heading', { level: 1 }).textContent()).replace(/\s+/g, ' ');
      check(heading.includes('Absence Request') && heading.includes(child), `the page heading is ${JSON.stringify(heading)}`);
      check(await page.getByText('No requests yet.').isVisible(), 'a new child already has requests');

      // The days the form allows (min/max, in the district's zone): a school day strictly after
      // the first allowed one, so that it is tomorrow or later whatever the hour and cut-off.
      const firstDay = page.getByLabel('First day', { exact: true });
      const lastDay = page.getByLabel('Last day', { exact: true });
      const min = await firstDay.getAttribute('min');
      const max = await firstDay.getAttribute('max');
      check(/^\d{4}-\d{2}-\d{2}$/.test(min) && /^\d{4}-\d{2}-\d{2}$/.test(max) && min < max,
        `the First day's window is ${min} to ${max}`);
      const schoolDays = [];
      for (let d = dayAfter(min); d <= max && schoolDays.length < 2; d = dayAfter(d)) {
        if (isWeekday(d) && !noSchool.has(d) && !recorded.has(d)) schoolDays.push(d);
      }
      check(schoolDays.length === 2, `no two school days between ${min} and ${max}`);
      const [day, later] = schoolDays;

      // A bad try first: the last day before the first. The error is on Last day and in the
      // alert, and what was typed is kept.
      await firstDay.fill(later);
      await lastDay.fill(day);
      const missing = page.getByRole('group', { name: 'Missing' });
      await missing.getByRole('radio', { name: 'The whole day' }).check();
      await page.getByLabel('Reason', { exact: true }).selectOption({ label: 'Illness' });
      await page.getByLabel('Comment (optional)').fill(comment);
      await page.getByRole('button', { name: 'Send request' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      await j.a11y(page, 'last day before the first');
      await screenshot(page, 'absence-request-error');
      const error = (await alert.textContent()).trim();
      check(error === 'The last day is before the first day.', `the alert says ${JSON.stringify(error)}`);
      check((await descriptionOf(lastDay)).includes(error), `Last day is not described by "${error}"`);
      check(await lastDay.getAttribute('aria-invalid') === 'true', 'Last day is not marked invalid');
      check((await page.locator('#to-error').textContent()).trim() === error, 'the error is not shown next to Last day');
      check(await firstDay.getAttribute('aria-invalid') !== 'true', 'First day is marked invalid for the last day\'s error');
      check(await firstDay.inputValue() === later && await lastDay.inputValue() === day,
        `the days were not kept: ${await firstDay.inputValue()} to ${await lastDay.inputValue()}`);
      check(await missing.getByRole('radio', { name: 'The whole day' }).isChecked(), 'The whole day was not kept');
      check(await page.getByLabel('Reason', { exact: true }).inputValue() === 'illness', 'the reason was not kept');
      check(await page.getByLabel('Comment (optional)').inputValue() === comment, 'the comment was not kept');
      check(await page.getByRole('status').count() === 0, 'a refused request was announced as sent');

      // Put right, and sent from the keyboard: Tab from the comment reaches Send request, Enter.
      await firstDay.fill(day);
      await lastDay.fill('');
      await page.getByLabel('Comment (optional)').focus();
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => ({ tag: document.activeElement.tagName, text: document.activeElement.textContent.trim() }));
      check(focused.tag === 'BUTTON' && focused.text === 'Send request', `Tab from the comment reaches ${JSON.stringify(focused)}`);
      await page.keyboard.press('Enter');
      const sent = page.getByRole('status').filter({ hasText: 'Request sent for' });
      await sent.waitFor();
      await j.a11y(page, 'sent');
      const notice = (await sent.textContent()).replace(/\s+/g, ' ').trim();
      check(notice.startsWith(`Request sent for ${day}`), `the notice says ${JSON.stringify(notice)}`);
      check(await page.getByRole('alert').count() === 0, `an error after sending: ${await page.getByRole('alert').allTextContents()}`);
      const requests = page.getByRole('region', { name: 'Requests' }).getByRole('listitem');
      check(await requests.count() === 1, `${await requests.count()} requests listed, not 1`);
      const listed = (await requests.first().textContent()).replace(/\s+/g, ' ');
      check(listed.includes(day) && listed.includes('Waiting for the office'), `the request is listed as ${JSON.stringify(listed)}`);
      check(listed.includes('Illness') && listed.includes(comment), `the request does not show its reason and comment: ${JSON.stringify(listed)}`);

      // The same page at 360 px: axe, a screenshot, and no sideways scrolling.
      await page.setViewportSize({ width: 360, height: 780 });
      await j.a11y(page, '360 px');
      await screenshot(page, 'absence-request');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      check(overflow <= 0, `the page scrolls sideways by ${overflow} px at 360 px`);
      await page.setViewportSize({ width: 1280, height: 900 });

      // The office: Staff Console → Absence Requests, one waiting, approved with a note.
      const staff = await j.newPage();
      await logIn(j, staff, { slug, portal: 'staff', ...world.staff });
      await staff.waitForURL(`**/d/${slug}/home`);
      await j.a11y(staff);
      await staff.getByRole('link', { name: 'Staff Console' }).click();
      await staff.waitForURL(`**/d/${slug}/admin`);
      await j.a11y(staff);
      const entry = staff.locator('p').filter({ has: staff.getByRole('link', { name: 'Absence Requests', exact: true }) });
      check((await entry.locator('.badge').textContent()).trim() === '1 waiting',
        `the console's badge says ${JSON.stringify(await entry.locator('.badge').textContent())}`);
      await entry.getByRole('link', { name: 'Absence Requests', exact: true }).click();
      await staff.waitForURL(`**/d/${slug}/admin/absences`);
      await j.a11y(staff);
      await screenshot(staff, 'absence-requests-queue');
      const section = staff.getByRole('region', { name: school, exact: true });
      check(await section.count() === 1, `no section headed ${school} in the queue`);
      const request = section.getByRole('listitem').filter({ hasText: child });
      check(await request.count() === 1, `${child}'s request is not under ${school}`);
      check((await request.textContent()).includes(day), `the queue does not show ${day} for ${child}`);
      await request.getByLabel(`Note to ${child}'s family (optional)`).fill(note);
      await request.getByRole('button', { name: `Approve ${child}` }).click();
      const decided = staff.getByRole('status');
      await decided.waitFor();
      await j.a11y(staff, 'decided');
      check((await decided.textContent()).trim() === 'One request decided.', `the queue says ${JSON.stringify(await decided.textContent())}`);
      check(await staff.getByRole('listitem').filter({ hasText: child }).count() === 0, 'the decided request still waits in the queue');
      check(await staff.getByText('0 waiting').isVisible(), 'the queue does not say 0 waiting after the decision');

      // The parent sees the decision, and the day excused on Attendance.
      await page.goto(toolUrl);
      await j.a11y(page, 'approved');
      const approved = (await page.getByRole('region', { name: 'Requests' }).getByRole('listitem').first().textContent())
        .replace(/\s+/g, ' ');
      check(approved.includes(day) && approved.includes('Approved'), `the request is listed as ${JSON.stringify(approved)}`);
      check(approved.includes(`Note from the office: ${note}`), `the office's note is not shown: ${JSON.stringify(approved)}`);
      check(await page.getByRole('button', { name: /^Withdraw/ }).count() === 0, 'an approved request can still be withdrawn');
      await page.getByRole('navigation', { name: 'Tools' }).getByRole('link', { name: 'Attendance' }).click();
      await page.waitForURL(/\/students\/\d+\/attendance$/);
      await j.a11y(page);
      const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: day, exact: true }) });
      check(await row.count() === 1, `Attendance has ${await row.count()} rows for ${day}`);
      const mark = (await row.getByRole('cell').textContent()).replace(/\s+/g, ' ').trim();
      check(mark.startsWith('Absent, excused · reported by the family'), `${day} is marked ${JSON.stringify(mark)}`);
    },
  },
  {
    name: 'Conversations: teacher writes to a class → parent gets it, replies → teacher reads → administrator sees the thread',
    async run(j) {
      const { cli, dir } = world.portal;
      const slug = PINE_GROVE.slug;
      const g = world.threeChildren;
      const child = g.children[0];

      // The child's class of the term that holds today, and its teacher, from the generated files.
      const gen = path.join(dir, 'generated');
      const read = async (file) => parseCsv(await fs.readFile(path.join(gen, file), 'utf8'));
      const [users, classes, enrollments, sessions] = await Promise.all(
        ['users.csv', 'classes.csv', 'enrollments.csv', 'academicSessions.csv'].map(read),
      );
      const today = new Date().toISOString().slice(0, 10);
      const current = new Set(sessions.filter((s) => s.startDate <= today && today <= s.endDate).map((s) => s.sourcedId));
      const guardian = users.find((u) => u.sourcedId === g.id);
      const student = users.find((u) => u.role === 'student' && `${u.givenName} ${u.familyName}` === child
        && guardian.agentSourcedIds.split(',').map((s) => s.trim()).includes(u.sourcedId));
      check(student, `${child} is not among the generated students`);
      const taken = new Set(enrollments.filter((e) => e.userSourcedId === student.sourcedId).map((e) => e.classSourcedId));
      const klass = classes.find((c) => taken.has(c.sourcedId) && c.termSourcedIds.split(',').some((t) => current.has(t.trim())));
      check(klass, `${child} has no class in a term that holds ${today}`);
      const teacherId = enrollments.find((e) => e.classSourcedId === klass.sourcedId && e.role === 'teacher')?.userSourcedId;
      const teacher = users.find((u) => u.sourcedId === teacherId);
      check(teacher, `no teacher for ${klass.title}`);
      const teacherName = `${teacher.givenName} ${teacher.familyName}`;

      // The district hands the teacher a key; the teacher activates it like everyone.
      const keysFile = path.join(dir, 'teacher-keys.csv');
      await cli(['keys', 'generate', '--district', slug, '--role', 'teacher', '--person', teacherId, '--out', keysFile]);
      const [issued] = parseCsv(await fs.readFile(keysFile, 'utf8'));
      check(issued?.role === 'teacher' && issued.sourcedId === teacherId, `keys generate wrote ${JSON.stringify(issued)}`);
      const tp = await j.newPage();
      await tp.goto(`/d/${slug}/activate`);
      await tp.getByLabel('Activation Key').fill(issued.key);
      await tp.getByRole('button', { name: 'Continue' }).click();
      await tp.waitForLoadState('load');
      await j.a11y(tp, 'account step');
      await tp.getByLabel('Username').fill('class.teacher');
      await tp.getByLabel('Password').fill('chalk meadow harbor lamp');
      await tp.getByRole('button', { name: 'Create Account' }).click();
      await expectHome(j, tp, slug, teacherName);
      await screenshot(tp, 'teacher-home');
      const section = tp.getByRole('region', { name: klass.title, exact: true });
      check(await section.count() === 1, `the Teacher portal does not show ${klass.title}`);
      check(await section.getByText(child).count() > 0, `${child} is not on the roster of ${klass.title}`);

      // The teacher logs in on the Teacher portal too, and writes to every family of the class.
      const tl = await j.newPage();
      await logIn(j, tl, { slug, portal: 'teacher', username: 'class.teacher', password: 'chalk meadow harbor lamp' });
      await expectHome(j, tl, slug, teacherName);
      await tl.close();
      await section.getByRole('link', { name: 'Write to every family of this class' }).click();
      await tp.waitForURL(/\/conversations\/new\?class=\d+$/);
      await j.a11y(tp);
      const note = 'Field trip on Friday. Details: https://example.org/field-trip';
      await tp.getByLabel('Your message').fill(note);
      await tp.getByRole('button', { name: 'Send' }).click();
      await tp.waitForURL(`**/d/${slug}/conversations`);
      await j.a11y(tp, 'list');
      check(await tp.getByRole('link', { name: `Family of ${child}` }).count() === 1,
        `the teacher's list does not hold the family of ${child}`);

      // The parent sees the count on the menu, opens the message, and replies from the keyboard.
      const page = await j.newPage();
      await logIn(j, page, { slug, username: g.username, password: g.password });
      await expectHome(j, page, slug, g.name);
      const menuLink = page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: /^Messages/ });
      const menuText = (await menuLink.textContent()).replace(/\s+/g, ' ').trim();
      check(/^Messages \d+ unread$/.test(menuText), `the menu says ${JSON.stringify(menuText)}`);
      await menuLink.click();
      await page.waitForURL(`**/d/${slug}/conversations`);
      await j.a11y(page);
      const item = page.getByRole('listitem').filter({ hasText: `About ${child}` });
      check(await item.count() === 1, `no conversation about ${child}`);
      await item.getByRole('link', { name: teacherName }).click();
      await page.waitForURL(/\/conversations\/\d+$/);
      const threadUrl = page.url();
      await j.a11y(page, 'thread');
      const link = page.getByRole('link', { name: 'https://example.org/field-trip' });
      check(await link.getAttribute('rel') === 'noopener noreferrer nofollow ugc', 'the link is not marked rel=noopener');
      const reply = 'Thank you! We will send the form back tomorrow.';
      await page.getByLabel('Your reply').fill(reply);
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => document.activeElement.textContent.trim());
      check(focused === 'Send', `Tab from the reply reaches ${JSON.stringify(focused)}`);
      await page.keyboard.press('Enter');
      await page.getByRole('status').filter({ hasText: 'Your message was sent.' }).waitFor();
      await j.a11y(page, 'sent');
      await page.setViewportSize({ width: 360, height: 780 });
      await j.a11y(page, '360 px');
      await screenshot(page, 'conversation');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      check(overflow <= 0, `the thread scrolls sideways by ${overflow} px at 360 px`);

      // The teacher reads the reply; their own message says the parent read it.
      await tp.goto(`/d/${slug}/conversations`);
      const unread = tp.getByRole('listitem').filter({ has: tp.getByRole('link', { name: `Family of ${child}` }) });
      check((await unread.textContent()).includes('1 unread'), `the teacher's list says ${JSON.stringify(await unread.textContent())}`);
      await unread.getByRole('link', { name: `Family of ${child}` }).click();
      await tp.waitForURL(/\/conversations\/\d+$/);
      await j.a11y(tp, 'thread');
      check(await tp.getByText(reply).isVisible(), 'the teacher does not see the reply');
      check(await tp.getByText(`Read by ${g.name}`).isVisible(), `the teacher's message does not say Read by ${g.name}`);

      // The district's administrator reads the thread in the console, and is told it is recorded.
      const staff = await j.newPage();
      await logIn(j, staff, { slug, portal: 'staff', ...world.staff });
      await staff.waitForURL(`**/d/${slug}/home`);
      await j.a11y(staff);
      await staff.goto(`/d/${slug}/admin`);
      await j.a11y(staff);
      await staff.getByRole('link', { name: 'Conversations', exact: true }).click();
      await staff.waitForURL(`**/d/${slug}/admin/conversations`);
      await j.a11y(staff);
      await staff.getByRole('link', { name: `${teacherName} · Family of ${child}` }).click();
      await staff.waitForURL(/\/admin\/conversations\/\d+$/);
      await j.a11y(staff, 'thread');
      check(await staff.getByText(reply).isVisible() && await staff.getByText('Field trip on Friday.').isVisible(),
        'the administrator does not see both messages');
      check(await staff.getByText('recorded in the audit log').isVisible(), 'the administrator is not told the reading is recorded');
      check(threadUrl.endsWith(staff.url().split('/').pop()), 'the console opened another conversation');
    },
  },
  {
    name: 'Sign in with the district: student clicks Sign in with…, logs in at the provider, lands on Today, logs out of both',
    async run(j) {
      const { cli, dir, base } = world.portal;
      const slug = PINE_GROVE.slug;

      // The district's identity provider: the oidc-provider package, with its own login page.
      const port = await freePort();
      const provider = spawn('node', ['oidc-provider.mjs'], {
        cwd: E2E_DIR,
        env: { ...process.env, OIDC_PORT: String(port), OIDC_REDIRECT_URI: `${base}/d/${slug}/sso/callback` },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      try {
        const issuer = await new Promise((resolve, reject) => {
          let out = '';
          provider.stdout.setEncoding('utf8').on('data', (s) => {
            out += s;
            const ready = out.match(/ready (\S+)/);
            if (ready) resolve(ready[1]);
          });
          provider.on('exit', (code) => reject(new Error(`the provider exited (${code})`)));
          setTimeout(() => reject(new Error('the provider did not start')), 20_000);
        });
        const said = await cli(['district', 'sso', 'set', '--district', slug, '--portal', 'student', '--issuer', issuer,
          '--client-id', 'homeroom', '--client-secret-stdin', '--claim', 'sub', '--match', 'sourcedId',
          '--name', 'Pine Grove ID'], { input: 'test-secret\n' });
        check(said.includes(`${base}/d/${slug}/sso/callback`), `sso set answered ${JSON.stringify(said)}`);

        // A generated student who has never had an account.
        const users = parseCsv(await fs.readFile(path.join(dir, 'generated', 'users.csv'), 'utf8'));
        const student = users.filter((u) => u.role === 'student').at(-1);
        const name = `${student.givenName} ${student.familyName}`;

        const page = await j.newPage();
        await page.goto(`/d/${slug}/student`);
        await j.a11y(page);
        await page.getByRole('link', { name: 'Sign in with Pine Grove ID' }).click();
        // At the provider: its login page, then its consent page.
        await page.waitForURL((url) => url.href.startsWith(issuer));
        await page.locator('input[name="login"]').fill(student.sourcedId);
        await page.locator('input[name="password"]').fill('anything');
        await page.locator('button[type="submit"]').click();
        await page.waitForLoadState('load');
        if (page.url().startsWith(issuer)) {
          await page.locator('button[type="submit"]').click();
        }
        await expectHome(j, page, slug, name);
        await page.getByRole('link', { name: 'Today' }).first().click();
        await page.waitForURL(/\/students\/\d+\/today$/);
        await j.a11y(page, 'Today');
        const heading = (await page.getByRole('heading', { level: 1 }).textContent()).replace(/\s+/g, ' ');
        check(heading.includes('Today') && heading.includes(name), `Today's heading is ${JSON.stringify(heading)}`);
        await screenshot(page, 'sso-today');

        // Logging out ends the provider's session too: a page of ours on the way (held there
        // here, for its axe check), the provider's sign-out page, then the portal's login page.
        const toProvider = (url) => url.href.startsWith(issuer);
        await page.route(toProvider, (route) => route.fulfill({ status: 204 }));
        await page.getByRole('button', { name: 'Log Out' }).click();
        await page.waitForURL(`**/d/${slug}/sso/signed-out?portal=student`);
        await j.a11y(page, 'signed out of the portal');
        await page.unroute(toProvider);
        await page.getByRole('link', { name: 'Sign out of Pine Grove ID' }).click();
        await page.waitForURL(toProvider);
        await page.locator('button[name="logout"][value="yes"]').click();
        await page.waitForURL(`**/d/${slug}/student`);
        await j.a11y(page, 'after logout');
        const home = await page.request.get(`/d/${slug}/home`, { maxRedirects: 0 });
        check(home.status() === 303, `logged out, yet home answered ${home.status()}`);
      } finally {
        provider.kill();
      }
    },
  },
];

// ---- run ----------------------------------------------------------------------------------

let code = 1;
try {
  await fs.rm(ARTIFACTS, { recursive: true, force: true });
  await setUp();
  const { failed } = await runTests(tests, { browser: world.browser, portal: world.portal, only: process.argv.slice(2) });
  code = failed === 0 ? 0 : 1;
} catch (err) {
  console.log(`the browser tests could not start: ${err.stack || err}`);
  console.log('\n0 passed, 1 failed');
} finally {
  await tearDown();
}
console.log(`artifacts: ${path.relative(process.cwd(), path.join(REPO, 'e2e', 'artifacts')) || '.'}`);
process.exit(code);
