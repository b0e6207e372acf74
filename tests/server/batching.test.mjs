// Batching is real: four long generations sent at once decode in shared steps (the
// decode batch-size histogram in /metrics records steps with more than one sequence), and
// each answer still equals its single run.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  PARITY_OPTS, MODEL, answerOf, answerOfStream, assertSameAnswer, batchedSteps, metrics, reference, startServer,
  wantOf,
} from './harness.mjs';

const PROMPTS = ['Tell me a long story about a fox.', 'Describe the history of Rome.',
                 'Write a poem about winter.', 'Explain how a bicycle works.'];
const MAX_TOKENS = 200;

const server = await startServer(['--max-batch', '4']);
const client = server.client();
test.after(() => server.stop());

test('four concurrent long generations share decode steps and keep their answers', async () => {
  const expected = reference(PROMPTS.map((p) => ({
    messages: [{ role: 'user', content: p }], max_new_tokens: MAX_TOKENS, top_logprobs: 2 })));
  for (const e of expected) assert.ok(e.token_ids.length >= 50, `a long generation (${e.token_ids.length} tokens)`);
  const before = await metrics(server);
  const answers = await Promise.all(PROMPTS.map(async (p, i) => {
    const req = { model: MODEL, messages: [{ role: 'user', content: p }], max_tokens: MAX_TOKENS, ...PARITY_OPTS };
    if (i % 2) return answerOfStream(await client.chat.completions.create({ ...req, stream: true }));
    return answerOf(await client.chat.completions.create(req));
  }));
  const after = await metrics(server);
  const batched = batchedSteps(after) - batchedSteps(before);
  const steps = after['internvl_decode_batch_size_count'] - before['internvl_decode_batch_size_count'];
  const tokens = after['internvl_decode_batch_size_sum'] - before['internvl_decode_batch_size_sum'];
  console.log(`decode steps: ${steps}, with batch > 1: ${batched}, mean batch ${(tokens / steps).toFixed(2)}`);
  assert.ok(batched > 0, 'some decode steps ran more than one sequence');
  assert.ok(after['internvl_decode_batch_size_bucket{le="3"}'] < after['internvl_decode_batch_size_count'],
            'some decode steps ran all four sequences');
  for (const [i, a] of answers.entries()) assertSameAnswer(wantOf(expected[i]), a, PROMPTS[i]);
  assert.equal(after['internvl_requests_running'], 0);
});
