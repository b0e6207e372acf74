// Load: 32 concurrent clients x 8 requests each, mixing text and image prompts, streaming and
// not, on the tiny checkpoint over loopback. Every request is answered, correctly (equal to its
// single run), with no errors and none lost; p50/p95 latency is reported.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  PARITY_OPTS, MODEL, answerOf, answerOfStream, assertSameAnswer, dataUri, metrics, percentile, reference,
  startServer, wantOf,
} from './harness.mjs';

const CLIENTS = 32, PER_CLIENT = 8, MAX_TOKENS = 16;
const IMAGES = [dataUri('images/small_600x300.png', 'image/png'), dataUri('images/tiny_64x48.png', 'image/png')];
const KINDS = [
  { text: 'Write a haiku' }, { text: 'Name three colours' }, { text: 'What is 2 + 2?' }, { text: 'Say hello' },
  { text: 'Describe the image.', image: 0 }, { text: 'What is shown here?', image: 1 },
];

function openaiContent(k) {
  if (k.image === undefined) return k.text;
  return [{ type: 'image_url', image_url: { url: IMAGES[k.image] } }, { type: 'text', text: k.text }];
}
function referenceContent(k) {
  if (k.image === undefined) return k.text;
  return [{ type: 'image', url: IMAGES[k.image] }, { type: 'text', text: k.text }];
}

const server = await startServer(['--max-batch', '8', '--max-queue', '64']);
test.after(() => server.stop());

test(`${CLIENTS} clients x ${PER_CLIENT} requests, mixed text/image/streaming`, { timeout: 600_000 }, async () => {
  const expected = reference(KINDS.map((k) => ({
    messages: [{ role: 'user', content: referenceContent(k) }], max_new_tokens: MAX_TOKENS, top_logprobs: 2 })));
  const latencies = [];
  const failures = [];
  let answered = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    const client = server.client();
    for (let j = 0; j < PER_CLIENT; j++) {
      const kind = (c * 7 + j) % KINDS.length;
      const stream = (c + j) % 2 === 1;
      const req = { model: MODEL, messages: [{ role: 'user', content: openaiContent(KINDS[kind]) }],
                    max_tokens: MAX_TOKENS, ...PARITY_OPTS };
      const start = performance.now();
      try {
        const got = stream
          ? await answerOfStream(await client.chat.completions.create({ ...req, stream: true }))
          : answerOf(await client.chat.completions.create(req));
        latencies.push(performance.now() - start);
        assertSameAnswer(wantOf(expected[kind]), got, `client ${c} request ${j}`);
        answered++;
      } catch (e) {
        failures.push(`client ${c} request ${j}: ${e.message}`);
      }
    }
  }));
  const wall = (performance.now() - t0) / 1000;
  const m = await metrics(server);
  console.log(`load: ${answered}/${CLIENTS * PER_CLIENT} answered in ${wall.toFixed(1)} s ` +
              `(${(answered / wall).toFixed(1)} req/s); latency p50 ${percentile(latencies, 50).toFixed(0)} ms, ` +
              `p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms; ` +
              `mean decode batch ${(m['internvl_decode_batch_size_sum'] / m['internvl_decode_batch_size_count']).toFixed(2)}; ` +
              `image cache hits ${m['internvl_image_cache_hits_total']}, misses ${m['internvl_image_cache_misses_total']}`);
  assert.deepEqual(failures, []);
  assert.equal(answered, CLIENTS * PER_CLIENT);
  assert.equal(m['internvl_requests_total{endpoint="chat_completions",code="200"}'], CLIENTS * PER_CLIENT);
  assert.equal(m['internvl_requests_running'], 0);
  assert.equal(m['internvl_queue_length'], 0);
});
