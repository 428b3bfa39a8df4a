// Drive the emulator with node-auth0 (the `auth0` npm package, v4 or v5) through every
// Management endpoint selfservice uses, and check each answer against the SDK's own types.
//
//   node sdk_check.mjs MAJOR SDK_DIR BASE_URL
//
// MAJOR is 4 or 5; SDK_DIR is a folder whose node_modules holds that `auth0` (installed outside
// the checkout by tests/emulator/test_node_sdk.py); BASE_URL is the emulator, e.g.
// http://127.0.0.1:8001. The test seeds the tenant first (demo seed + the users named below).
//
// Both SDKs hard-code https://{domain}. v4 takes a `fetch` option (used for the token call too),
// so it gets a fetch that sends https://{domain} to BASE_URL. v5's wrapper drops `fetch`,
// `fetcher` and `baseUrl`, and its generated client calls the global fetch, so for v5 the
// global fetch is the one replaced. The domain is the emulator's host:port, so the audience
// (https://{domain}/api/v2/) names this tenant.
//
// v5 does not validate answers at run time: a wrong shape would arrive as `undefined` fields,
// so every check below asserts the fields the SDK's TypeScript types promise.
//
// Output: one line per check, "ok NAME" or "FAIL NAME: why", then
// "SUMMARY {json}". Exit status 1 when any check failed.

import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const [major, sdkDir, baseUrl] = process.argv.slice(2);
if (!["4", "5"].includes(major) || !sdkDir || !baseUrl) {
  console.error("usage: node sdk_check.mjs 4|5 SDK_DIR BASE_URL");
  process.exit(2);
}
const require = createRequire(join(sdkDir, "package.json"));
const auth0 = require("auth0");
const version = JSON.parse(readFileSync(join(sdkDir, "node_modules", "auth0", "package.json"), "utf8")).version;

// Seeded by test_node_sdk.py (keep the two in step).
const ALICE = "auth0|alice";
const CAROL = "auth0|carol"; // 6 methods, 40 sessions, in no organization
const NODE = "auth0|node"; // a github secondary identity (77), member of ACME
const DOOMED = "auth0|node-doomed"; // deleted below
const LINKABLE = { provider: "google-oauth2", user_id: "nodelink" };
const ACME = "org_acme000000000001";

const domain = new URL(baseUrl).host;
const realFetch = globalThis.fetch;
function emulatorFetch(input, init) {
  const url = typeof input === "string" || input instanceof URL ? String(input) : input.url;
  const target = url.replace(`https://${domain}`, baseUrl);
  return typeof input === "string" || input instanceof URL ? realFetch(target, init) : realFetch(new Request(target, input), init);
}

const credentials = { domain, clientId: "selfservice-m2m", clientSecret: "selfservice-m2m-secret" };
let mc;
if (major === "4") {
  mc = new auth0.ManagementClient({ ...credentials, fetch: emulatorFetch, retry: { enabled: false } });
} else {
  globalThis.fetch = emulatorFetch;
  mc = new auth0.ManagementClient({ ...credentials, maxRetries: 0 });
}

// -- assertions ---------------------------------------------------------------------------------

class CheckFailed extends Error {}
function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}
function isIso(value) {
  return typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value);
}
function expectUser(user, userId) {
  check(user && user.user_id === userId, `user_id ${JSON.stringify(user && user.user_id)} != ${userId}`);
  check(isIso(user.created_at) && isIso(user.updated_at), "created_at/updated_at are not ISO strings");
  check(Array.isArray(user.identities) && user.identities.length > 0, "identities is not a non-empty array");
  expectIdentities(user.identities);
}
function expectIdentities(items) {
  check(Array.isArray(items), `identities are not an array: ${JSON.stringify(items)}`);
  for (const item of items) {
    for (const key of ["connection", "provider", "user_id"]) check(item[key] !== undefined, `identity without ${key}`);
    check(typeof item.isSocial === "boolean", "identity without isSocial");
  }
}
function expectMethod(method) {
  // UserAuthenticationMethod: id, type and created_at are required.
  check(typeof method.id === "string" && typeof method.type === "string", `method without id/type: ${JSON.stringify(method)}`);
  check(isIso(method.created_at), `method ${method.id} has no ISO created_at`);
}
function expectSession(session, userId) {
  check(typeof session.id === "string" && session.user_id === userId, `session of ${session.user_id}, not ${userId}`);
  for (const key of ["created_at", "updated_at", "authenticated_at", "last_interacted_at", "expires_at", "idle_expires_at"]) {
    check(isIso(session[key]), `session.${key} is not an ISO string`);
  }
  check(session.device && typeof session.device.last_user_agent === "string", "session.device.last_user_agent missing");
  check(Array.isArray(session.clients) && Array.isArray(session.authentication?.methods), "session clients/authentication");
}
function expectOrganization(org) {
  check(typeof org.id === "string" && typeof org.name === "string", `organization without id/name: ${JSON.stringify(org)}`);
}
async function expectStatus(promise, status, errorCode) {
  try {
    await promise;
  } catch (error) {
    const body = typeof error.body === "string" ? JSON.parse(error.body) : error.body;
    check(error.statusCode === status, `status ${error.statusCode}, expected ${status}`);
    if (major === "4") check(error instanceof auth0.ManagementApiError, `${error.name} is not a ManagementApiError`);
    if (major === "4") check(error.errorCode === errorCode, `errorCode ${error.errorCode}, expected ${errorCode}`);
    if (major === "5") check(error instanceof auth0.ManagementError, `${error.name} is not a ManagementError`);
    if (major === "5" && status === 404) check(error instanceof auth0.Management.NotFoundError, `${error.name} is not NotFoundError`);
    check(body && body.statusCode === status && body.errorCode === errorCode, `body ${JSON.stringify(body)}`);
    return;
  }
  throw new CheckFailed(`expected ${status}, the call succeeded`);
}
const data = async (promise) => (major === "4" ? (await promise).data : await promise);
async function collect(page) {
  const items = [];
  for await (const item of page) items.push(item);
  return items;
}

// -- the endpoints selfservice's gateway calls, in the SDK's own words ----------------------------

const v4 = major === "4";
const checks = {
  async get_user() {
    const user = await data(v4 ? mc.users.get({ id: ALICE }) : mc.users.get(ALICE));
    expectUser(user, ALICE);
    check(user.email === "alice@example.com" && typeof user.user_metadata === "object", "alice's profile");
  },
  async update_user() {
    const body = { name: "Carol D.", user_metadata: { theme: "contrast", newsletter: null } };
    const user = await data(v4 ? mc.users.update({ id: CAROL }, body) : mc.users.update(CAROL, body));
    expectUser(user, CAROL);
    check(user.name === "Carol D." && user.user_metadata.theme === "contrast", "the change is not in the answer");
    check(!("newsletter" in user.user_metadata) && user.user_metadata.timezone === "Europe/Madrid", "not a top-level merge");
  },
  async delete_user() {
    await (v4 ? mc.users.delete({ id: DOOMED }) : mc.users.delete(DOOMED));
    await (v4 ? mc.users.delete({ id: DOOMED }) : mc.users.delete(DOOMED)); // 204 again: already gone
    await expectStatus(v4 ? mc.users.get({ id: DOOMED }) : mc.users.get(DOOMED), 404, "inexistent_user");
  },
  async guardian_factors() {
    const factors = await data(v4 ? mc.guardian.getFactors() : mc.guardian.factors.list());
    check(Array.isArray(factors), "factors are not an array");
    check(factors.every((f) => typeof f.name === "string" && typeof f.enabled === "boolean"), "factor without name/enabled");
    check(factors.some((f) => f.name === "sms") && !factors.some((f) => f.name === "phone"), "the phone factor is 'sms'");
  },
  async list_authentication_methods() {
    let methods;
    if (v4) {
      // v4's default (no include_totals) is typed as an array: code calls array methods on it.
      const bare = (await mc.users.getAuthenticationMethods({ id: CAROL })).data;
      check(Array.isArray(bare), `without include_totals the answer is not an array: ${JSON.stringify(bare).slice(0, 80)}`);
      check(bare.find((m) => m.type === "totp") !== undefined, "no totp method found with .find");
      const totals = (await mc.users.getAuthenticationMethods({ id: CAROL, include_totals: true, per_page: 4 })).data;
      check(Array.isArray(totals.authenticators) && totals.authenticators.length === 4, "include_totals page of 4");
      check(totals.total === 6 && totals.start === 0 && totals.limit === 4, `totals ${JSON.stringify({ ...totals, authenticators: 0 })}`);
      methods = bare;
    } else {
      const page = await mc.users.authenticationMethods.list(CAROL);
      check(Array.isArray(page.data) && page.data.length === 6 && !page.hasNextPage(), "first page of 6, no next");
      methods = await collect(await mc.users.authenticationMethods.list(CAROL, { per_page: 4 }));
    }
    check(methods.length === 6, `${methods.length} methods, expected 6`);
    methods.forEach(expectMethod);
    const phone = methods.find((m) => m.type === "phone");
    check(phone && phone.phone_number.endsWith("0199") && phone.phone_number.startsWith("X"), "masked phone number");
  },
  async get_and_delete_authentication_method() {
    const list = v4 ? (await mc.users.getAuthenticationMethods({ id: CAROL })).data : (await mc.users.authenticationMethods.list(CAROL)).data;
    const key = list.find((m) => m.name === "Backup key");
    const ids = { id: CAROL, authentication_method_id: key.id };
    const got = await data(v4 ? mc.users.getAuthenticationMethod(ids) : mc.users.authenticationMethods.get(CAROL, key.id));
    expectMethod(got);
    check(got.id === key.id && got.type === "webauthn-roaming", "the method read back");
    await (v4 ? mc.users.deleteAuthenticationMethod(ids) : mc.users.authenticationMethods.delete(CAROL, key.id));
    await expectStatus(v4 ? mc.users.getAuthenticationMethod(ids) : mc.users.authenticationMethods.get(CAROL, key.id),
      404, "authentication_method_not_found");
  },
  async enrollment_ticket() {
    // v4's EnrollmentCreate has no `factor`; v5 names the phone factor "phone".
    const body = v4 ? { user_id: ALICE, send_mail: false } : { user_id: ALICE, factor: "phone", send_mail: false };
    const ticket = await data(v4 ? mc.guardian.createEnrollmentTicket(body) : mc.guardian.enrollments.createTicket(body));
    check(typeof ticket.ticket_id === "string", "ticket_id");
    check(ticket.ticket_url === `${baseUrl}/mfa/enrollment?ticket=${ticket.ticket_id}`, `ticket_url ${ticket.ticket_url}`);
  },
  async regenerate_recovery_code() {
    const answer = await data(v4 ? mc.users.regenerateRecoveryCode({ id: ALICE }) : mc.users.regenerateRecoveryCode(ALICE));
    check(/^[A-Z0-9]{24}$/.test(answer.recovery_code), `recovery_code ${answer.recovery_code}`);
  },
  async invalidate_remember_browser() {
    await (v4 ? mc.users.invalidateRememberBrowser({ id: ALICE }) : mc.users.multifactor.invalidateRememberBrowser(ALICE));
  },
  async list_sessions() {
    let all;
    if (v4) {
      const first = (await mc.users.getSessions({ user_id: CAROL })).data; // no take: Auth0's default of 50
      check(Array.isArray(first.sessions) && first.sessions.length === 40 && first.next === undefined, "40 sessions, no next");
      all = [];
      let cursor;
      do {
        const page = (await mc.users.getSessions({ user_id: CAROL, take: 15, ...(cursor ? { from: cursor } : {}) })).data;
        all.push(...page.sessions);
        cursor = page.next;
      } while (cursor);
    } else {
      const first = await mc.users.sessions.list(CAROL);
      check(first.data.length === 40 && !first.hasNextPage(), "40 sessions on the first page, no next");
      all = await collect(await mc.users.sessions.list(CAROL, { take: 15 }));
    }
    check(new Set(all.map((s) => s.id)).size === 40, `${all.length} sessions over the pages, expected 40 distinct`);
    all.forEach((s) => expectSession(s, CAROL));
  },
  async get_revoke_and_delete_session() {
    const list = await data(v4 ? mc.users.getSessions({ user_id: ALICE }) : mc.users.sessions.list(ALICE));
    const [first, second] = v4 ? list.sessions : list.data;
    expectSession(await data(v4 ? mc.sessions.get({ id: first.id }) : mc.sessions.get(first.id)), ALICE);
    if (v4) {
      check(typeof mc.sessions.revoke === "undefined", "v4 has grown sessions.revoke");
      await mc.sessions.delete({ id: first.id });
    } else {
      await mc.sessions.revoke(first.id);
    }
    await (v4 ? mc.sessions.delete({ id: second.id }) : mc.sessions.delete(second.id));
    await expectStatus(v4 ? mc.sessions.get({ id: first.id }) : mc.sessions.get(first.id), 404, "session_not_found");
  },
  async delete_user_sessions() {
    await (v4 ? mc.users.deleteSessions({ user_id: CAROL }) : mc.users.sessions.delete(CAROL));
    const left = v4 ? (await mc.users.getSessions({ user_id: CAROL })).data.sessions : (await mc.users.sessions.list(CAROL)).data;
    check(Array.isArray(left) && left.length === 0, `${left && left.length} sessions left`);
  },
  async password_change_ticket() {
    const answer = await data(mc.tickets.changePassword({ user_id: ALICE }));
    check(answer.ticket.startsWith(`${baseUrl}/u/reset-password?ticket=`), `ticket ${answer.ticket}`);
  },
  async verification_email_job() {
    const job = await data(v4 ? mc.jobs.verifyEmail({ user_id: CAROL }) : mc.jobs.verificationEmail.create({ user_id: CAROL }));
    check(job.type === "verification_email" && job.status === "pending" && /^job_/.test(job.id), `job ${JSON.stringify(job)}`);
    check(isIso(job.created_at), "job.created_at");
  },
  async link_identity() {
    const items = await data(v4 ? mc.users.link({ id: NODE }, LINKABLE) : mc.users.identities.link(NODE, LINKABLE));
    expectIdentities(items);
    check(items[0].provider === "auth0" && items.some((i) => i.provider === "google-oauth2" && i.user_id === "nodelink"),
      `identities ${JSON.stringify(items.map((i) => i.provider))}`);
  },
  async unlink_identity() {
    const items = await data(v4 ? mc.users.unlink({ id: NODE, provider: "github", user_id: "77" })
      : mc.users.identities.delete(NODE, "github", "77"));
    expectIdentities(items);
    check(!items.some((i) => i.provider === "github"), "the github identity is still there");
    expectUser(await data(v4 ? mc.users.get({ id: "github|77" }) : mc.users.get("github|77")), "github|77");
  },
  async user_organizations() {
    let orgs;
    if (v4) {
      const none = (await mc.users.getUserOrganizations({ id: CAROL })).data;
      check(Array.isArray(none) && none.length === 0, `carol's organizations: ${JSON.stringify(none)}`);
      orgs = (await mc.users.getUserOrganizations({ id: NODE })).data;
      check(Array.isArray(orgs) && orgs.find((o) => o.id === ACME), "ACME not found with .find");
      const totals = (await mc.users.getUserOrganizations({ id: NODE, include_totals: true })).data;
      check(Array.isArray(totals.organizations) && totals.total === 1 && totals.limit === 50, "include_totals object");
    } else {
      check((await collect(await mc.users.organizations.list(CAROL))).length === 0, "carol is in no organization");
      orgs = await collect(await mc.users.organizations.list(NODE));
    }
    check(orgs.length === 1 && orgs[0].display_name === "Acme Inc.", `organizations ${JSON.stringify(orgs)}`);
    orgs.forEach(expectOrganization);
    await expectStatus(v4 ? mc.users.getUserOrganizations({ id: "auth0|nobody" }) : mc.users.organizations.list("auth0|nobody"),
      404, "inexistent_user");
  },
};

let failed = 0;
for (const [name, run] of Object.entries(checks)) {
  try {
    await run();
    console.log(`ok ${name}`);
  } catch (error) {
    failed += 1;
    const why = error instanceof CheckFailed ? error.message : `${error.name}: ${error.message} ${error.body ? JSON.stringify(error.body) : ""}`;
    console.log(`FAIL ${name}: ${why}`);
  }
}
console.log(`SUMMARY ${JSON.stringify({ sdk: `auth0@${version}`, passed: Object.keys(checks).length - failed, failed })}`);
process.exit(failed ? 1 : 0);
