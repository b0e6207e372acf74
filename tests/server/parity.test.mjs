// Answers over HTTP equal single runs: for fixture conversations (text, system prompt, base64
// image, several images from data:/file:// URLs, an http(s) image, a video, a multi-turn chat,
// detail "low", the max_tiles extension, a stop string, seeded sampling), the non-streaming and
// the streaming answer of `internvl serve` equal the reference run token by token (up to the
// first near-tie step, logprobs within 1e-3), and the usage counts match. Repeated images come
// from the cache.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  PARITY_OPTS, MODEL, answerOf, answerOfStream, assertSameAnswer, dataUri, env, fixture, get, metrics,
  reference, startServer, wantOf,
} from './harness.mjs';

const MIME = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', mp4: 'video/mp4' };

// A loopback web server for the http(s) image case (the server runs with --allow-private-urls).
const web = http.createServer((req, res) => {
  const file = fixture(decodeURIComponent(req.url.slice(1)));
  if (!file.startsWith(env.fixtures) || !fs.existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': MIME[path.extname(file).slice(1)] ?? 'application/octet-stream' });
  res.end(fs.readFileSync(file));
});
await new Promise((r) => web.listen(0, '127.0.0.1', r));
const webBase = `http://127.0.0.1:${web.address().port}`;

// ---- one conversation, written for both sides ----

function url(p) {
  const rel = p.image ?? p.video;
  if (p.as === 'data') return dataUri(rel, MIME[path.extname(rel).slice(1)]);
  if (p.as === 'http') return `${webBase}/${rel}`;
  return 'file://' + fixture(rel);
}

function openaiMessages(turns) {
  return turns.map((t) => ({
    role: t.role,
    content: typeof t.parts === 'string' ? t.parts : t.parts.map((p) => {
      if (p.text !== undefined) return { type: 'text', text: p.text };
      if (p.image) {
        return { type: 'image_url', image_url: { url: url(p), ...(p.detail ? { detail: p.detail } : {}),
                                                 ...(p.max_tiles ? { max_tiles: p.max_tiles } : {}) } };
      }
      return { type: 'video_url', video_url: { url: url(p) } };
    }),
  }));
}

function referenceMessages(turns) {
  return turns.map((t) => ({
    role: t.role,
    content: typeof t.parts === 'string' ? t.parts : t.parts.map((p) => {
      if (p.text !== undefined) return { type: 'text', text: p.text };
      const source = p.as === 'data' ? url(p) : fixture(p.image ?? p.video);
      return p.image ? { type: 'image', url: source } : { type: 'video', path: source };
    }),
  }));
}

const user = (parts) => ({ role: 'user', parts });
const CASES = [
  { name: 'text, string content', turns: [user('Write a haiku about the sea.')] },
  { name: 'system prompt', turns: [{ role: 'system', parts: 'You are a terse assistant.' }, user([{ text: 'Hello there' }])] },
  { name: 'base64 image', turns: [user([{ image: 'images/small_600x300.png', as: 'data' }, { text: 'Describe this image.' }])] },
  { name: 'several images, data: and file://', turns: [user([
    { text: 'First:' }, { image: 'images/tiny_64x48.png', as: 'data' }, { text: 'Second:' },
    { image: 'images/landscape_800x600.jpg', as: 'file' }, { text: 'How do they differ?' }])] },
  { name: 'http image', turns: [user([{ image: 'images/photo_500x375.webp', as: 'http' }, { text: 'What is this?' }])] },
  { name: 'video, 8 frames', turns: [user([{ video: 'video/clip_37f_10fps_h264.mp4', as: 'file' }, { text: 'What happens?' }])] },
  { name: 'multi-turn with an image', turns: [
    user([{ image: 'images/small_600x300.png', as: 'data' }, { text: 'What is in the picture?' }]),
    { role: 'assistant', parts: [{ text: 'A small picture.' }] },
    user([{ text: 'What colour is it?' }])] },
  { name: 'detail low', detail_tiles: 1, turns: [user([
    { image: 'images/wide_1920x1080.jpg', as: 'data', detail: 'low' }, { text: 'Describe it.' }])] },
  { name: 'max_tiles extension', detail_tiles: 2, turns: [user([
    { image: 'images/wide_1920x1080.jpg', as: 'data', max_tiles: 2 }, { text: 'Describe it.' }])] },
  { name: 'seeded sampling', sampling: { temperature: 0.8, top_p: 0.9, top_k: 20, seed: 7 }, turns: [user('Tell me a story')] },
];
const MAX_TOKENS = 24;

function referenceCase(c, extra = {}) {
  return { messages: referenceMessages(c.turns), max_new_tokens: MAX_TOKENS, top_logprobs: 2,
           ...(c.detail_tiles ? { max_tiles: c.detail_tiles } : {}), ...(c.sampling ?? {}), ...extra };
}

function request(c, extra = {}) {
  return { model: MODEL, messages: openaiMessages(c.turns), max_tokens: MAX_TOKENS, ...PARITY_OPTS,
           ...(c.sampling ?? {}), ...extra };
}

const server = await startServer(['--media-dir', env.fixtures, '--allow-private-urls']);
const client = server.client();
const expected = reference(CASES.map((c) => referenceCase(c)));

test.after(async () => {
  assert.equal(await server.stop(), 0, 'clean shutdown on SIGTERM');
  web.close();
});

test('models, health', async () => {
  const models = await client.models.list();
  assert.deepEqual(models.data.map((m) => m.id), [MODEL]);
  const h = await get(server, '/health', {});
  assert.equal(h.status, 200);
  assert.equal(h.json.status, 'ok');
});

for (const [i, c] of CASES.entries()) {
  test(`non-streaming: ${c.name}`, async () => {
    const want = expected[i];
    const completion = await client.chat.completions.create(request(c));
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, MODEL);
    assert.match(completion.id, /^chatcmpl-/);
    const got = answerOf(completion);
    assertSameAnswer(wantOf(want), got, c.name);
    assert.equal(got.usage.prompt_tokens, want.prompt_tokens, 'usage.prompt_tokens');
    assert.equal(got.usage.completion_tokens, got.tokens.length, 'usage.completion_tokens');
    assert.equal(got.usage.total_tokens, got.usage.prompt_tokens + got.usage.completion_tokens);
  });

  test(`streaming: ${c.name}`, async () => {
    const want = expected[i];
    const stream = await client.chat.completions.create(request(c, { stream: true, stream_options: { include_usage: true } }));
    const got = await answerOfStream(stream);
    assertSameAnswer(wantOf(want), got, c.name + ' (stream)');
    assert.ok(got.usage, 'include_usage sends a usage chunk');
    assert.equal(got.usage.prompt_tokens, want.prompt_tokens);
    assert.equal(got.usage.completion_tokens, got.tokens.length);
  });
}

test('detail low uses one tile; max_tiles 2 gives 2 tiles + the thumbnail', () => {
  assert.equal(expected[CASES.findIndex((c) => c.name === 'detail low')].num_tiles, 1);
  assert.equal(expected[CASES.findIndex((c) => c.name === 'max_tiles extension')].num_tiles, 3);
});

test('stop strings end the answer before them', async () => {
  const base = expected[0];
  const chars = [...base.text];
  assert.ok(chars.length >= 8, `the reference answer is long enough for a stop string: ${base.text}`);
  const stop = chars.slice(4, 7).join('');
  const [want] = reference([referenceCase(CASES[0], { stop: [stop] })]);
  assert.equal(want.finish_reason, 'stop');
  const got = answerOf(await client.chat.completions.create(request(CASES[0], { stop: [stop, 'never-seen'] })));
  assertSameAnswer(wantOf(want), got, 'stop');
  assert.ok(!got.text.includes(stop));
  const streamed = await answerOfStream(await client.chat.completions.create(request(CASES[0], { stop, stream: true })));
  assertSameAnswer(wantOf(want), streamed, 'stop (stream)');
});

test('streaming without logprobs sends text chunks only', async () => {
  const stream = await client.chat.completions.create({ model: MODEL, messages: openaiMessages(CASES[0].turns),
                                                        max_tokens: MAX_TOKENS, temperature: 0, stream: true });
  let text = '', finish = null, usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const c = chunk.choices[0];
    if (!c) continue;
    assert.equal(c.logprobs, null);
    text += c.delta.content ?? '';
    finish = c.finish_reason ?? finish;
  }
  assert.equal(text, expected[0].text);
  assert.equal(finish, expected[0].finish_reason);
  assert.equal(usage, null, 'no usage chunk without stream_options.include_usage');
});

test('images seen again come from the image cache', async () => {
  const before = await metrics(server);
  // Every image and video above was requested at least twice (non-streaming, then streaming).
  const media = CASES.flatMap((c) => (typeof c.turns === 'string' ? [] : c.turns))
    .flatMap((t) => (typeof t.parts === 'string' ? [] : t.parts)).filter((p) => p.image || p.video).length;
  assert.ok(before['internvl_image_cache_hits_total'] >= media,
            `cache hits ${before['internvl_image_cache_hits_total']} for ${media} media requested twice`);
  const c = CASES[2];
  const got = answerOf(await client.chat.completions.create(request(c)));
  assertSameAnswer(wantOf(expected[2]), got, 'cached image');
  const after = await metrics(server);
  assert.equal(after['internvl_image_cache_hits_total'], before['internvl_image_cache_hits_total'] + 1);
  assert.equal(after['internvl_image_cache_misses_total'], before['internvl_image_cache_misses_total']);
});

test('internvl run --json gives the same answers', { skip: env.cli ? false : 'the internvl program is not built' }, () => {
  for (const i of [0, 2]) {  // text; base64 image
    const c = CASES[i], turn = c.turns[0];
    const args = ['run', '-m', env.modelDir, '--threads', '1', '--max-new-tokens', String(MAX_TOKENS), '--json'];
    const parts = typeof turn.parts === 'string' ? [{ text: turn.parts }] : turn.parts;
    for (const p of parts) if (p.image) args.push('--image', fixture(p.image));  // the same bytes as the data: URI
    args.push('-p', parts.filter((p) => p.text !== undefined).map((p) => p.text).join(''));
    const out = JSON.parse(execFileSync(env.cli, args, { maxBuffer: 64 << 20, env: { ...process.env, OMP_NUM_THREADS: '1' } }));
    const want = expected[i];
    assert.equal(out.prompt_tokens, want.prompt_tokens, `${c.name}: prompt_tokens`);
    assert.equal(out.num_tiles, want.num_tiles, `${c.name}: num_tiles`);
    assert.equal(out.token_ids.length, want.token_ids.length, `${c.name}: tokens`);
    const firstDiff = out.token_ids.findIndex((id, k) => id !== want.token_ids[k]);
    if (firstDiff >= 0) {
      const t = want.tokens[firstDiff];
      assert.ok(t.top[0][1] - t.top[1][1] < 1e-2, `${c.name}: run --json differs at step ${firstDiff}, not a near-tie`);
    } else {
      assert.equal(out.text, want.text, `${c.name}: text`);
    }
  }
});
