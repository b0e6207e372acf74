// Shared pieces of the server's end-to-end tests: start `internvl serve` on a free loopback
// port, drive it with the official OpenAI client, compute expected answers the way
// `internvl run` does (the server_reference helper: Engine::generate, no server code), and
// compare answers token by token.
//
// CTest sets: INTERNVL_SERVE_BIN (+ INTERNVL_SERVE_PREFIX, "serve" when it is the CLI),
// INTERNVL_REFERENCE_BIN, INTERNVL_MODEL_DIR, INTERNVL_FIXTURES_DIR, and INTERNVL_CLI_BIN when the
// `internvl` program is built: then every expected answer is also computed by `internvl batch
// -b 1` (one conversation per generate call, the same output as `internvl run --json`) and the
// two must agree.
import { spawn, execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let OpenAI;
try {
  OpenAI = (await import('openai')).default;
} catch (e) {
  console.error('the openai package is missing: run `npm ci --prefix tests/server` first (' + e.message + ')');
  process.exit(1);
}
export { OpenAI };

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set: run this test through ctest (tests/server/CMakeLists.txt)`);
    process.exit(1);
  }
  return v;
}

export const env = {
  serveBin: need('INTERNVL_SERVE_BIN'),
  servePrefix: process.env.INTERNVL_SERVE_PREFIX ? process.env.INTERNVL_SERVE_PREFIX.split(' ') : [],
  referenceBin: need('INTERNVL_REFERENCE_BIN'),
  modelDir: need('INTERNVL_MODEL_DIR'),
  fixtures: need('INTERNVL_FIXTURES_DIR'),
  cli: process.env.INTERNVL_CLI_BIN || null,
};

export const MODEL = 'tiny';
export const API_KEY = 'test-key';
/// Steps whose top-2 logprob gap in the reference is below this are near-ties: the answers may
/// part there (the reference's own goldens use the same bound).
export const NEAR_TIE = 1e-2;
export const LOGPROB_TOL = 1e-3;

export function fixture(rel) {
  return path.join(env.fixtures, rel);
}

export function dataUri(rel, mime) {
  return `data:${mime};base64,${fs.readFileSync(fixture(rel)).toString('base64')}`;
}

// ---- the server process ----

/// Starts the server with `args` on a free port; resolves once it listens.
export async function startServer(args = [], { apiKey = API_KEY } = {}) {
  // --keep-alive 12: the clients reuse idle connections across gaps of several seconds (a reference
  // `internvl run` between two requests takes ~7 s under ASan); at the default 5 s the server closed
  // one just as a request went out ("Connection error.", the clients do not retry). Under the 20 s
  // that stop() gives a shutdown, which waits for idle connections.
  const full = [...env.servePrefix, '-m', env.modelDir, '--port', '0', '--model-name', MODEL, '--threads', '1',
                '--keep-alive', '12', ...(apiKey ? ['--api-key', apiKey] : []), ...args];
  const proc = spawn(env.serveBin, full, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in 60 s:\n' + stderr)), 60_000);
    proc.stderr.on('data', (d) => {
      stderr += d.toString();
      const m = stderr.match(/listening on http:\/\/[^:]+:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${stderr}`));
    });
  });
  proc.removeAllListeners('exit');
  const url = `http://127.0.0.1:${port}`;
  const server = {
    url,
    proc,
    stderr: () => stderr,
    client: (opts = {}) => new OpenAI({ apiKey: apiKey ?? 'none', baseURL: `${url}/v1`, maxRetries: 0, timeout: 300_000,
                                        ...opts }),
    headers: apiKey ? { Authorization: `Bearer ${apiKey}` } : {},
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      const exited = new Promise((resolve) => proc.on('exit', (code, sig) => resolve(code ?? sig)));
      proc.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
      if (code === 'timeout') proc.kill('SIGKILL');
      return code;
    },
  };
  return server;
}

/// GET a path; returns {status, headers, text, json}.
export async function get(server, p, headers = server.headers) {
  const r = await fetch(server.url + p, { headers });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch {}
  return { status: r.status, headers: r.headers, text, json };
}

/// POST raw bytes to a path; returns {status, headers, text, json}.
export async function post(server, p, body, headers = {}) {
  const r = await fetch(server.url + p, {
    method: 'POST', body, headers: { 'Content-Type': 'application/json', ...server.headers, ...headers } });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch {}
  return { status: r.status, headers: r.headers, text, json };
}

/// /metrics as {name{labels}: value}.
export async function metrics(server) {
  const r = await get(server, '/metrics');
  assert.equal(r.status, 200);
  const out = {};
  for (const line of r.text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

/// Decode steps that ran with more than one sequence, from the batch-size histogram.
export function batchedSteps(m) {
  return m['internvl_decode_batch_size_count'] - m['internvl_decode_batch_size_bucket{le="1"}'];
}

// ---- expected answers ----

function tempFile(name, text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'internvl-ref-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return { file, remove: () => fs.rmSync(dir, { recursive: true }) };
}

const CHILD_ENV = { ...process.env, OMP_NUM_THREADS: '1' };

/// Runs the reference helper on Transformers-format cases; returns one result per case:
/// {text, token_ids, prompt_tokens, num_tiles, finish_reason, tokens: [{id, logprob, top}]}.
/// With the CLI built, `internvl batch` must give the same answers (checked here).
export function reference(cases) {
  const tmp = tempFile('cases.json', JSON.stringify({ cases }));
  const out = execFileSync(env.referenceBin, ['-m', env.modelDir, tmp.file], { maxBuffer: 64 << 20, env: CHILD_ENV });
  tmp.remove();
  const results = JSON.parse(out.toString()).results;
  for (const r of results) assert.ok(!r.error, `reference failed: ${r.error}`);
  if (env.cli) checkCliAgrees(cases, results);
  return results;
}

/// `internvl batch -b 1` on the same cases (settings as the registry's JSON keys) equals the
/// helper's answers: token ids up to the first near-tie, text, prompt tokens, tiles, and the
/// first token's top log-probabilities.
function checkCliAgrees(cases, results) {
  const keys = ['max_new_tokens', 'max_tiles', 'num_frames', 'stop', 'temperature', 'top_p', 'top_k', 'seed'];
  const lines = cases.map((c, i) => {
    const line = { id: i, messages: c.messages, max_new_tokens: c.max_new_tokens ?? 16 };
    for (const k of keys) if (c[k] !== undefined) line[k] = c[k];
    return JSON.stringify(line);
  });
  const tmp = tempFile('cases.jsonl', lines.join('\n') + '\n');
  const out = execFileSync(env.cli, ['batch', '-m', env.modelDir, '-i', tmp.file, '-o', '-', '-b', '1', '--threads', '1'],
                           { maxBuffer: 64 << 20, env: CHILD_ENV });
  tmp.remove();
  const answers = out.toString().trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(answers.length, cases.length, 'internvl batch answers every line');
  for (const a of answers) {
    const want = results[a.id], label = `internvl batch, case ${a.id}`;
    assert.ok(!a.error, `${label}: ${JSON.stringify(a.error)}`);
    assert.equal(a.prompt_tokens, want.prompt_tokens, `${label}: prompt_tokens`);
    assert.equal(a.num_tiles, want.num_tiles, `${label}: num_tiles`);
    const got = { tokens: a.token_ids.map((id, k) => (k < want.tokens.length ? { ...want.tokens[k], id } : { id })) };
    const n = compareIds(want, got, label);
    if (n === want.tokens.length) assert.equal(a.text, want.text, `${label}: text`);
    for (const [k, [id, lp]] of a.first_token_top5.slice(0, want.tokens[0].top.length).entries()) {
      if (want.tokens[0].top[0][1] - want.tokens[0].top[1][1] < NEAR_TIE) break;
      assert.equal(id, want.tokens[0].top[k][0], `${label}: first_token_top5[${k}]`);
      assert.ok(Math.abs(lp - want.tokens[0].top[k][1]) <= LOGPROB_TOL, `${label}: first_token_top5[${k}] logprob`);
    }
  }
}

/// Token ids of `got` equal `want`'s up to the first step where they differ, which must be a
/// near-tie of `want`. Returns the number of equal leading steps.
function compareIds(want, got, label) {
  const n = Math.min(want.tokens.length, got.tokens.length);
  for (let i = 0; i < n; i++) {
    if (want.tokens[i].id === got.tokens[i].id) continue;
    const w = want.tokens[i];
    const margin = w.top.length >= 2 ? w.top[0][1] - w.top[1][1] : Infinity;
    assert.ok(margin < NEAR_TIE, `${label}: step ${i}: token ${got.tokens[i].id}, expected ${w.id} (margin ${margin})`);
    return i;
  }
  assert.equal(got.tokens.length, want.tokens.length, `${label}: number of tokens`);
  return n;
}

// ---- answers ----

function tokenId(entry) {
  const m = /^token_id:(\d+)$/.exec(entry.token);
  assert.ok(m, `logprobs token '${entry.token}' is not token_id:<id> (return_tokens_as_token_ids)`);
  return Number(m[1]);
}

/// The request options every parity request carries: greedy, with ids and logprobs.
export const PARITY_OPTS = { temperature: 0, logprobs: true, top_logprobs: 2, return_tokens_as_token_ids: true };

/// {text, finish, tokens: [{id, logprob, top}], usage} of a non-streaming completion.
export function answerOf(completion) {
  const c = completion.choices[0];
  return {
    text: c.message.content,
    finish: c.finish_reason,
    tokens: (c.logprobs?.content ?? []).map((e) => ({
      id: tokenId(e), logprob: e.logprob, top: e.top_logprobs.map((t) => [tokenId(t), t.logprob]) })),
    usage: completion.usage,
  };
}

/// The same for a stream (an async iterable of chunks); also checks the chunk format.
export async function answerOfStream(stream) {
  const a = { text: '', finish: null, tokens: [], usage: null, chunks: 0 };
  let sawRole = false;
  for await (const chunk of stream) {
    a.chunks++;
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) a.usage = chunk.usage;
    if (chunk.choices.length === 0) continue;
    assert.equal(a.finish, null, 'content after finish_reason');
    const c = chunk.choices[0];
    if (c.delta.role) sawRole = true;
    a.text += c.delta.content ?? '';
    for (const e of c.logprobs?.content ?? []) {
      a.tokens.push({ id: tokenId(e), logprob: e.logprob, top: e.top_logprobs.map((t) => [tokenId(t), t.logprob]) });
    }
    if (c.finish_reason) a.finish = c.finish_reason;
  }
  assert.ok(sawRole, 'the first chunk carries the assistant role');
  return a;
}

/// Asserts that `got` equals the reference `want` token by token up to the first near-tie step
/// (logprobs within LOGPROB_TOL), and entirely (text, finish reason) when there is none.
/// Returns the number of steps compared.
export function assertSameAnswer(want, got, label) {
  const n = Math.min(want.tokens.length, got.tokens.length);
  for (let i = 0; i < n; i++) {
    const w = want.tokens[i], g = got.tokens[i];
    const margin = w.top.length >= 2 ? w.top[0][1] - w.top[1][1] : Infinity;
    if (w.id !== g.id) {
      assert.ok(margin < NEAR_TIE, `${label}: step ${i}: token ${g.id}, expected ${w.id} (margin ${margin})`);
      console.log(`${label}: answers part at near-tie step ${i} (margin ${margin}); ${i} steps compared`);
      return i;
    }
    assert.ok(Math.abs(w.logprob - g.logprob) <= LOGPROB_TOL,
              `${label}: step ${i}: logprob ${g.logprob}, expected ${w.logprob}`);
    if (margin < NEAR_TIE) {  // the alternatives' order may swap from here
      console.log(`${label}: near-tie at step ${i} (margin ${margin}); ${i + 1} steps compared`);
      return i + 1;
    }
    for (let k = 0; k < Math.min(w.top.length, g.top.length); k++) {
      assert.equal(g.top[k][0], w.top[k][0], `${label}: step ${i}: top_logprobs[${k}]`);
      assert.ok(Math.abs(w.top[k][1] - g.top[k][1]) <= LOGPROB_TOL, `${label}: step ${i}: top_logprobs[${k}] logprob`);
    }
  }
  assert.equal(got.tokens.length, want.tokens.length, `${label}: number of tokens`);
  assert.equal(got.text, want.text, `${label}: text`);
  assert.equal(got.finish, want.finish_reason, `${label}: finish_reason`);
  return n;
}

/// Reference result -> the shape answerOf returns.
export function wantOf(r) {
  return { tokens: r.tokens, text: r.text, finish_reason: r.finish_reason };
}

export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
