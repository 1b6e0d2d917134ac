// The Node.js quick example of the vendor's page, as printed there, with two changes only:
// the base URL comes from WAPZI_BASE_URL (https://api.wapzi.com.br if unset) and the entry
// point from WAPZI_ENTRY_POINT_ID (the page writes entry_point_123), so that
// `wapzi-homolog client -- node docs/examples/quick-example.mjs` points it at the sandbox.
// It reads the execution once, right after the POST: `client::reads-until-terminal` fails it.
const baseUrl = process.env.WAPZI_BASE_URL ?? 'https://api.wapzi.com.br';
const entryPointId = process.env.WAPZI_ENTRY_POINT_ID ?? 'entry_point_123';

const response = await fetch(`${baseUrl}/v1/entry-points/${entryPointId}/execute`, {
  method: 'POST',
  headers: {
    'Content-Type': 'application/json',
    'x-api-key': process.env.WAPZI_API_KEY,
  },
  body: JSON.stringify({
    message: 'Hello, I want to talk about pricing.',
  }),
});

if (!response.ok) {
  const error = await response.json();
  throw new Error(error.message || 'Wapzi integration error');
}

const data = await response.json();
console.log(data.executionId);

const result = await fetch(`${baseUrl}/v1/executions/${data.executionId}`, {
  headers: {
    'Content-Type': 'application/json',
    'x-api-key': process.env.WAPZI_API_KEY,
  },
});

console.log(await result.json());
