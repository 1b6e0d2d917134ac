// A backend client of the Wapzi API that follows the page's best practices, to be graded by
// `wapzi-homolog client -- node docs/examples/polling-client.mjs` (see docs/client.md).
//
// It POSTs a message (JSON), polls GET /v1/executions/{executionId} every 500 ms until the
// status is completed, failed or superseded, honours Retry-After on 429 and 503, stops at once
// on 401/403 (an alert, no retry: a rotated key or an inactive account does not heal), then
// sends a second message with the conversationId the API gave it (latest-wins).
//
// Environment: WAPZI_BASE_URL (default https://api.wapzi.com.br), WAPZI_API_KEY,
// WAPZI_ENTRY_POINT_ID. Exit 0 when both messages ended or a 401/403 stopped it (reported on
// stderr), 1 on anything else (an unexpected status, a network error, a poll past its limit).

const baseUrl = (process.env.WAPZI_BASE_URL ?? 'https://api.wapzi.com.br').replace(/\/+$/, '');
const apiKey = process.env.WAPZI_API_KEY;
const entryPointId = process.env.WAPZI_ENTRY_POINT_ID;
if (!apiKey || !entryPointId) {
  console.error('set WAPZI_API_KEY and WAPZI_ENTRY_POINT_ID');
  process.exit(1);
}

const POLL_INTERVAL_MS = 500;
const MAX_READS = 240; // 2 minutes of polling at most per execution
const MAX_BUSY_RETRIES = 5; // 429/503 answers in a row before giving up
const TERMINAL = new Set(['completed', 'failed', 'superseded']);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A 401/403: the key or the account is refused; never retried. */
class Refused extends Error {}

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), 1 s if absent. */
function retryAfterMs(response) {
  const value = response.headers.get('retry-after');
  if (value === null) return 1000;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? 1000 : Math.max(0, date - Date.now());
}

/** One call, retried only after 429/503 and only once Retry-After has passed. */
async function call(method, path, body) {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        'x-api-key': apiKey,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15000),
    });
    const text = await response.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if ((response.status === 429 || response.status === 503) && attempt < MAX_BUSY_RETRIES) {
      const wait = retryAfterMs(response);
      console.error(`${method} ${path}: ${response.status}, retrying in ${wait} ms`);
      await sleep(wait);
      continue;
    }
    if (response.status === 401 || response.status === 403) {
      throw new Refused(`${method} ${path}: ${response.status} ${json?.message ?? text}`);
    }
    if (!response.ok) {
      throw new Error(`${method} ${path}: ${response.status} ${json?.message ?? text}`);
    }
    if (json === undefined || typeof json !== 'object') {
      throw new Error(`${method} ${path}: ${response.status} with a body that is not JSON`);
    }
    return json;
  }
}

/** POSTs a message (in `conversationId` if given) and polls its execution to the end. */
async function send(message, conversationId) {
  const body = conversationId === undefined ? { message } : { message, conversationId };
  const accepted = await call('POST', `/v1/entry-points/${encodeURIComponent(entryPointId)}/execute`, body);
  if (typeof accepted.executionId !== 'string') {
    throw new Error(`execute answered without an executionId: ${JSON.stringify(accepted)}`);
  }
  console.log(`accepted ${accepted.executionId} (${accepted.status}) in ${accepted.conversationId}`);
  for (let reads = 0; reads < MAX_READS; reads++) {
    await sleep(POLL_INTERVAL_MS);
    const execution = await call('GET', `/v1/executions/${encodeURIComponent(accepted.executionId)}`);
    if (TERMINAL.has(execution.status)) {
      console.log(`${accepted.executionId}: ${execution.status}` +
        (execution.status === 'completed' ? `: ${execution.response}` : ''));
      return { ...execution, conversationId: accepted.conversationId ?? execution.conversationId };
    }
  }
  throw new Error(`${accepted.executionId} did not end after ${MAX_READS} reads`);
}

try {
  const first = await send('Hello, I need help with my order');
  if (first.status === 'superseded') {
    console.log('superseded: a newer message of the conversation replaced it');
  }
  await send('My order number is 1234', first.conversationId);
} catch (error) {
  if (error instanceof Refused) {
    // Monitor 401 and 403: alert, do not loop.
    console.error(`ALERT: Wapzi refused the key: ${error.message}`);
    process.exit(0);
  }
  console.error(error.message);
  process.exit(1);
}
