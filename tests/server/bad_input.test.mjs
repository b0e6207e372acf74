// Bad input never crashes or wedges the server: every malformed request (JSON, types, roles,
// media, limits, context length, auth, routes, an over-limit body) gets a 4xx JSON error in the
// OpenAI shape; clients that disconnect mid-stream or mid-request are cancelled and freed; a
// full queue answers 503 + Retry-After. Afterwards /health is OK and the next answer is correct.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  API_KEY, MODEL, OpenAI, PARITY_OPTS, answerOf, assertSameAnswer, dataUri, env, fixture, get, metrics, post,
  reference, startServer, wantOf,
} from './harness.mjs';

const server = await startServer(['--media-dir', fixture('images'), '--max-body-mb', '1', '--max-images', '3',
                                  '--max-image-pixels', '300000', '--ctx', '2048', '--max-tokens', '2000',
                                  '--max-video-frames', '16']);
const client = server.client();
test.after(() => server.stop());

const GOOD = { model: MODEL, messages: [{ role: 'user', content: 'Write a haiku' }], max_tokens: 8, ...PARITY_OPTS };
const [WANT] = reference([{ messages: [{ role: 'user', content: 'Write a haiku' }], max_new_tokens: 8, top_logprobs: 2 }]);

function assertErrorShape(r, status, label) {
  assert.equal(r.status, status, `${label}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  assert.ok(r.json && typeof r.json.error === 'object', `${label}: error object: ${r.text.slice(0, 300)}`);
  const e = r.json.error;
  assert.equal(typeof e.message, 'string', `${label}: message`);
  assert.ok(e.message.length > 0, `${label}: message`);
  assert.equal(typeof e.type, 'string', `${label}: type`);
  assert.ok(e.param === null || typeof e.param === 'string', `${label}: param`);
  assert.ok(e.code === null || typeof e.code === 'string', `${label}: code`);
  assert.ok(r.headers.get('content-type').startsWith('application/json'), `${label}: content type`);
  return e;
}

async function assertHealthyAndCorrect(label) {
  const h = await get(server, '/health', {});
  assert.equal(h.status, 200, `${label}: /health`);
  const got = answerOf(await client.chat.completions.create(GOOD));
  assertSameAnswer(wantOf(WANT), got, `${label}: next request`);
}

const user = (content) => ({ ...GOOD, messages: [{ role: 'user', content }] });
const image = (url, extra = {}) => user([{ type: 'image_url', image_url: { url, ...extra } }, { type: 'text', text: 'x' }]);
const video = (url, extra = {}) => user([{ type: 'video_url', video_url: { url, ...extra } }, { type: 'text', text: 'x' }]);
const b64 = (s) => Buffer.from(s).toString('base64');

// [label, body (object or raw string), expected code or null, expected param or undefined]
const CASES = [
  ['truncated JSON', '{"model": "tiny", "messages": [', 'invalid_json'],
  ['empty body', '', 'invalid_json'],
  ['body is a list', '[]', 'invalid_type'],
  ['no model', { messages: GOOD.messages }, 'missing_field', 'model'],
  ['no messages', { model: MODEL }, 'missing_field', 'messages'],
  ['messages is a string', { ...GOOD, messages: 'hi' }, 'invalid_type', 'messages'],
  ['messages is empty', { ...GOOD, messages: [] }, 'invalid_value', 'messages'],
  ['message is a number', { ...GOOD, messages: [7] }, 'invalid_type', 'messages[0]'],
  ['unknown role', { ...GOOD, messages: [{ role: 'wizard', content: 'x' }] }, 'invalid_value', 'messages[0].role'],
  ['tool role', { ...GOOD, messages: [{ role: 'tool', content: 'x' }] }, 'invalid_value', 'messages[0].role'],
  ['role is a number', { ...GOOD, messages: [{ role: 1, content: 'x' }] }, 'invalid_type', 'messages[0].role'],
  ['content is a number', user(42), 'invalid_type', 'messages[0].content'],
  ['part without type', user([{ text: 'x' }]), 'missing_field', 'messages[0].content[0].type'],
  ['unknown part type', user([{ type: 'input_audio' }]), 'invalid_value', 'messages[0].content[0].type'],
  ['text is not a string', user([{ type: 'text', text: ['x'] }]), 'invalid_type', 'messages[0].content[0].text'],
  ['image_url without url', user([{ type: 'image_url', image_url: {} }]), 'missing_field'],
  ['image url is a number', image(5), 'invalid_type'],
  ['ftp url', image('ftp://example.com/a.png'), 'invalid_media'],
  ['bare path', image('/etc/passwd'), 'invalid_media'],
  ['file:// outside the media dir', image('file:///etc/passwd'), 'invalid_media'],
  ['file:// escaping the media dir', image('file://' + fixture('images/../video/clip_37f_10fps_h264.mp4')), 'invalid_media'],
  ['missing file', image('file://' + fixture('images/no_such.png')), 'invalid_media'],
  ['loopback http url', image('http://127.0.0.1:9/a.png'), 'invalid_media'],
  ['private http url', image('http://10.0.0.1/a.png'), 'invalid_media'],
  ['undecodable data: image', image('data:image/png;base64,' + b64('this is not a png at all')), 'invalid_media'],
  ['truncated png', image('data:image/png;base64,' + dataUri('images/small_600x300.png', 'image/png').split(',')[1].slice(0, 400)), 'invalid_media'],
  ['broken base64', image('data:image/png;base64,@@@@'), 'invalid_media'],
  ['image over the pixel limit', image('file://' + fixture('images/landscape_800x600.jpg')), 'limit_exceeded'],
  ['detail is unknown', image(dataUri('images/tiny_64x48.png', 'image/png'), { detail: 'max' }), 'invalid_value'],
  ['max_tiles 0', image(dataUri('images/tiny_64x48.png', 'image/png'), { max_tiles: 0 }), 'invalid_value'],
  ['too many images', user(Array(4).fill({ type: 'image_url', image_url: { url: dataUri('images/tiny_64x48.png', 'image/png') } })), 'limit_exceeded'],
  ['undecodable video', video('data:video/mp4;base64,' + b64('not a video')), 'invalid_media'],
  ['num_frames over the limit', video(dataUri('images/tiny_64x48.png', 'image/png'), { num_frames: 64 }), 'invalid_value'],
  ['empty data: video', video('data:video/mp4;base64,', { num_frames: 4 }), 'invalid_media'],
  ['placeholder typed in the text', user('look: <IMG_CONTEXT>'), 'invalid_value', 'messages'],
  ['prompt over the context', user('word '.repeat(3000)), 'context_length_exceeded', 'messages'],
  ['max_tokens past the context', { ...user('word '.repeat(1500)), max_tokens: 1000 }, 'context_length_exceeded', 'max_tokens'],
  ['max_tokens 0', { ...GOOD, max_tokens: 0 }, 'invalid_value', 'max_tokens'],
  ['max_tokens negative', { ...GOOD, max_tokens: -5 }, 'invalid_value', 'max_tokens'],
  ['max_tokens over the limit', { ...GOOD, max_completion_tokens: 5000 }, 'invalid_value', 'max_completion_tokens'],
  ['max_tokens is a string', { ...GOOD, max_tokens: '8' }, 'invalid_type', 'max_tokens'],
  ['temperature 5', { ...GOOD, temperature: 5 }, 'invalid_value', 'temperature'],
  ['top_p 0', { ...GOOD, top_p: 0 }, 'invalid_value', 'top_p'],
  ['top_k -7', { ...GOOD, top_k: -7 }, 'invalid_value', 'top_k'],
  ['seed is a string', { ...GOOD, seed: 'x' }, 'invalid_type', 'seed'],
  ['n 3', { ...GOOD, n: 3 }, 'invalid_value', 'n'],
  ['five stop strings', { ...GOOD, stop: ['a', 'b', 'c', 'd', 'e'] }, 'limit_exceeded', 'stop'],
  ['stop is a number', { ...GOOD, stop: 3 }, 'invalid_type', 'stop'],
  ['top_logprobs 30', { ...GOOD, top_logprobs: 30 }, 'invalid_value', 'top_logprobs'],
  ['stream is a string', { ...GOOD, stream: 'yes' }, 'invalid_type', 'stream'],
  ['stream_options without stream', { ...GOOD, stream_options: { include_usage: true } }, 'invalid_value', 'stream_options'],
  ['tools', { ...GOOD, tools: [{ type: 'function', function: { name: 'f' } }] }, 'unsupported', 'tools'],
  ['json response format', { ...GOOD, response_format: { type: 'json_object' } }, 'unsupported', 'response_format'],
  ['frequency penalty', { ...GOOD, frequency_penalty: 1 }, 'unsupported', 'frequency_penalty'],
];

test('every malformed request gets a 400 in the OpenAI error shape', async () => {
  for (const [label, body, code, param] of CASES) {
    const r = await post(server, '/v1/chat/completions', typeof body === 'string' ? body : JSON.stringify(body));
    const e = assertErrorShape(r, 400, label);
    assert.equal(e.type, 'invalid_request_error', `${label}: type`);
    if (code) assert.equal(e.code, code, `${label}: code (${e.message})`);
    if (param !== undefined) assert.equal(e.param, param, `${label}: param (${e.message})`);
  }
  await assertHealthyAndCorrect('after the malformed requests');
});

test('the OpenAI client sees these as APIErrors with status, code and param', async () => {
  await assert.rejects(client.chat.completions.create({ ...GOOD, messages: [{ role: 'tool', content: 'x' }] }), (e) => {
    assert.ok(e instanceof OpenAI.APIError);
    assert.equal(e.status, 400);
    assert.equal(e.code, 'invalid_value');
    assert.equal(e.param, 'messages[0].role');
    return true;
  });
  await assert.rejects(client.chat.completions.create({ ...GOOD, messages: [{ role: 'user', content: 'x' }], n: 2 }),
                       (e) => e.status === 400 && e.param === 'n');
});

test('auth: no key and a wrong key get 401; /health needs none', async () => {
  assertErrorShape(await post(server, '/v1/chat/completions', JSON.stringify(GOOD), { Authorization: '' }), 401, 'no key');
  assertErrorShape(await post(server, '/v1/chat/completions', JSON.stringify(GOOD), { Authorization: 'Bearer wrong' }),
                   401, 'wrong key');
  assertErrorShape(await get(server, '/metrics', {}), 401, '/metrics without a key');
  assertErrorShape(await get(server, '/v1/models', { Authorization: `Bearer ${API_KEY}x` }), 401, 'models, wrong key');
  const noKey = new OpenAI({ apiKey: 'nope', baseURL: `${server.url}/v1`, maxRetries: 0 });
  await assert.rejects(noKey.chat.completions.create(GOOD), (e) => e.status === 401);
  assert.equal((await get(server, '/health', {})).status, 200);
});

test('unknown routes and models get 404 JSON errors', async () => {
  assertErrorShape(await get(server, '/v1/nothing'), 404, 'unknown route');
  assertErrorShape(await post(server, '/v1/completions', '{}'), 404, 'legacy completions');
  const m = assertErrorShape(await get(server, '/v1/models/other'), 404, 'unknown model');
  assert.equal(m.code, 'model_not_found');
  assert.equal((await get(server, `/v1/models/${MODEL}`)).json.id, MODEL);
});

test('a body over the limit gets 413', async () => {
  const big = JSON.stringify(image('data:image/png;base64,' + 'A'.repeat(2 << 20)));
  // The server answers 413 from the headers and closes without reading the body; a client still
  // writing may see the reset before the answer (a TCP race, worse on a loaded machine). Such an
  // attempt is repeated; the 413 itself must arrive.
  let answer = null;
  for (let attempt = 0; attempt < 5 && !answer; ++attempt) {
    try {
      answer = await post(server, '/v1/chat/completions', big);
    } catch (err) {
      if (!/fetch failed|socket|ECONNRESET|EPIPE|other side closed/i.test(String(err) + String(err?.cause))) throw err;
    }
  }
  assert.ok(answer, 'every attempt to send the large body was reset before the 413 arrived');
  const e = assertErrorShape(answer, 413, 'body over 1 MiB');
  assert.equal(e.code, 'body_too_large');
  await assertHealthyAndCorrect('after the large body');
});

async function waitFor(pred, label, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const m = await metrics(server);
    if (pred(m)) return m;
    if (Date.now() > end) assert.fail(`${label}: ${JSON.stringify(m)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a client that disconnects mid-stream is cancelled and its place freed', async () => {
  const before = await metrics(server);
  const ac = new AbortController();
  const r = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST', signal: ac.signal, headers: { 'Content-Type': 'application/json', ...server.headers },
    body: JSON.stringify({ ...GOOD, max_tokens: 2000, stream: true }) });
  assert.equal(r.status, 200);
  const reader = r.body.getReader();
  let seen = '';
  while ((seen.match(/data: /g) ?? []).length < 5) seen += new TextDecoder().decode((await reader.read()).value);
  ac.abort();
  const after = await waitFor((m) => m['internvl_requests_cancelled_total'] > before['internvl_requests_cancelled_total'] &&
                                     m['internvl_requests_running'] === 0, 'the stream was not cancelled');
  // It stopped early: far fewer than 2000 tokens were decoded for it.
  assert.ok(after['internvl_decode_tokens_total'] - before['internvl_decode_tokens_total'] < 1500);
  await assertHealthyAndCorrect('after the disconnect');
});

test('a client that disconnects while waiting for a non-streaming answer is cancelled', async () => {
  const before = await metrics(server);
  const body = JSON.stringify({ ...GOOD, max_tokens: 2000 });
  const req = http.request(`${server.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...server.headers } });
  req.on('error', () => {});
  req.end(body);
  await waitFor((m) => m['internvl_requests_running'] === 1, 'the request did not start');
  req.destroy();
  const after = await waitFor((m) => m['internvl_requests_cancelled_total'] > before['internvl_requests_cancelled_total'] &&
                                     m['internvl_requests_running'] === 0, 'the request was not cancelled');
  assert.ok(after['internvl_decode_tokens_total'] - before['internvl_decode_tokens_total'] < 1500);
  await assertHealthyAndCorrect('after the non-streaming disconnect');
});

test('a full queue answers 503 with Retry-After, then recovers', async () => {
  const small = await startServer(['--max-batch', '1', '--max-queue', '0', '--max-tokens', '3000']);
  try {
    const ac = new AbortController();
    const r = await fetch(`${small.url}/v1/chat/completions`, {
      method: 'POST', signal: ac.signal, headers: { 'Content-Type': 'application/json', ...small.headers },
      body: JSON.stringify({ ...GOOD, max_tokens: 3000, stream: true }) });
    const reader = r.body.getReader();
    await reader.read();  // the long request holds the only place
    const busy = await post(small, '/v1/chat/completions', JSON.stringify(GOOD));
    const e = assertErrorShape(busy, 503, 'queue full');
    assert.equal(e.type, 'server_error');
    assert.equal(busy.headers.get('retry-after'), '1');
    ac.abort();
    const end = Date.now() + 20_000;
    let ok = null;
    while (!ok && Date.now() < end) {  // the place frees as soon as the cancellation is seen
      const again = await post(small, '/v1/chat/completions', JSON.stringify(GOOD));
      if (again.status === 200) ok = again.json;
      else await new Promise((res) => setTimeout(res, 50));
    }
    assert.ok(ok, 'a request succeeds once the place is free');
    assertSameAnswer(wantOf(WANT), answerOf(ok), 'after 503');
  } finally {
    assert.equal(await small.stop(), 0);
  }
});

test('the server is still healthy at the end', async () => {
  await assertHealthyAndCorrect('at the end');
  const m = await metrics(server);
  assert.equal(m['internvl_requests_running'], 0);
  assert.equal(m['internvl_queue_length'], 0);
});
