/**
 * Password validation next to the raw library it wraps: @zxcvbn-ts/core built with the same
 * dictionaries (common + en + fr) and the same options, fed the same inputs. Our side adds the
 * size guard, NFKC, composition, blocklist and context checks and the result shape; the ratio
 * is what that costs. Also: cold start of the validator, and scrypt at the default cost.
 */
import { createRequire } from 'node:module';
import { createPasswordValidator, DEFAULT_SCRYPT_PARAMS, hashPassword } from '@portcullis/password';
import { type CaseResult, report, runCases } from './lib.ts';

// Resolve zxcvbn-ts exactly as @portcullis/password does, so both sides run the same code.
const requireFromPassword = createRequire(new URL('../packages/password/package.json', import.meta.url));
type Factory = new (
  options: Record<string, unknown>,
) => { check(password: string, userInputs?: string[]): { score: number } };
const { ZxcvbnFactory } = requireFromPassword('@zxcvbn-ts/core') as { ZxcvbnFactory: Factory };
const common = requireFromPassword('@zxcvbn-ts/language-common') as {
  dictionary: Record<string, string[]>;
  adjacencyGraphs: Record<string, unknown>;
};
const en = requireFromPassword('@zxcvbn-ts/language-en') as { dictionary: Record<string, string[]> };
const fr = requireFromPassword('@zxcvbn-ts/language-fr') as { dictionary: Record<string, string[]> };

/** The options our validator passes to zxcvbn-ts by default (scoreMaxLength 64, l33tMaxSubstitutions 4). */
const sameOptions = {
  dictionary: { ...common.dictionary, ...en.dictionary, ...fr.dictionary },
  graphs: common.adjacencyGraphs,
  l33tMaxSubstitutions: 4,
  maxLength: 128,
};
const buildRaw = () => new ZxcvbnFactory(sameOptions);

const t0 = performance.now();
const validator = createPasswordValidator({ appName: 'Portcullis' });
const firstBuildMs = performance.now() - t0;
const raw = buildRaw();
const userInputs = ['portcullis'];

const SHORT = ['abc', 'hunter2', 'Tr0ub4!', 'pass', 'Zq9#', 'letmein', 'x', 'Azerty1'];
const TYPICAL = [
  'Violet-Tramway-Quiche-42',
  'Summer2024!Paris',
  'Tr0ub4dour&3xyz',
  'MaisonBleue1987',
  'correct horse battery staple',
  'Password12345678',
  'JeSuisLa!2026',
  'qwertyuiop123A',
  'Blue-Moon-Rising-7',
  'Ch@ton-Gris-Nuit-88',
  'Alice.Wonderland2',
  'zN4#pL9!wQ2&xR7',
];
/** Long, repetitive and l33t-heavy strings at the preset's 128-character maximum: the slowest found for zxcvbn. */
const WORST = [
  'P@$$w0rd'.repeat(16),
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p'.repeat(4).slice(0, 128),
  '4@$0!1|3'.repeat(16),
  'a1!'.repeat(42).padEnd(128, 'a'),
  '0123456789'.repeat(13).slice(0, 128),
  'qwertyuiop'.repeat(13).slice(0, 128),
];
for (const p of WORST) if ([...p].length > 128) throw new Error('worst inputs must stay within maxLength');

function cycle(list: readonly string[]): () => string {
  let i = 0;
  return () => list[i++ % list.length] as string;
}

const shortA = cycle(SHORT);
const shortB = cycle(SHORT);
const typA = cycle(TYPICAL);
const typB = cycle(TYPICAL);
const worstA = cycle(WORST);
const worstB = cycle(WORST);

const results = await runCases(
  [
    {
      id: 'validate-short/portcullis',
      baseline: 'validate-short/zxcvbn-ts',
      fn: () => validator.validateSync(shortA()),
    },
    { id: 'validate-short/zxcvbn-ts', fn: () => raw.check(shortB(), userInputs) },
    {
      id: 'validate-typical/portcullis',
      baseline: 'validate-typical/zxcvbn-ts',
      fn: () => validator.validateSync(typA()),
    },
    { id: 'validate-typical/zxcvbn-ts', fn: () => raw.check(typB(), userInputs) },
    {
      id: 'validate-worst/portcullis',
      baseline: 'validate-worst/zxcvbn-ts',
      fn: () => validator.validateSync(worstA()),
    },
    { id: 'validate-worst/zxcvbn-ts', fn: () => raw.check(worstB(), userInputs) },
  ],
  { durationMs: 2000, rounds: 3 },
);

// Issue 18: the scores must be zxcvbn-ts's own on the same input (the differential test covers
// more; this row says so for the very inputs timed here).
for (const r of results) {
  const list = r.id.startsWith('validate-short')
    ? SHORT
    : r.id.startsWith('validate-typical')
      ? TYPICAL
      : undefined;
  if (list === undefined || !r.id.endsWith('/portcullis')) continue;
  r.scoresIdentical = list.every((p) => validator.validateSync(p).score === raw.check(p, userInputs).score);
}

const cold = await runCases(
  [
    {
      id: 'cold-start/portcullis',
      baseline: 'cold-start/zxcvbn-ts',
      fn: () => createPasswordValidator({ appName: 'Portcullis' }),
    },
    { id: 'cold-start/zxcvbn-ts', fn: buildRaw },
  ],
  { durationMs: 2000, rounds: 3, warmupMs: 0 },
);
const coldOurs = cold.find((c) => c.id === 'cold-start/portcullis');
if (coldOurs) coldOurs.firstBuildMs = Math.round(firstBuildMs * 10) / 10;

// scrypt at the default cost: few samples (each is hundreds of ms and 128 MiB), timed one by one.
const samples: number[] = [];
for (let i = 0; i < 10; i++) {
  const s = process.hrtime.bigint();
  await hashPassword('Violet-Tramway-Quiche-42');
  samples.push(Number(process.hrtime.bigint() - s));
}
samples.sort((a, b) => a - b);
const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
const scrypt: CaseResult = {
  id: 'hash-scrypt-default/portcullis',
  opsPerSec: Math.round((1e9 / mean) * 100) / 100,
  p50Ns: samples[Math.floor(samples.length / 2)] as number,
  p99Ns: samples[samples.length - 1] as number,
  params: `ln=${DEFAULT_SCRYPT_PARAMS.ln},r=${DEFAULT_SCRYPT_PARAMS.r},p=${DEFAULT_SCRYPT_PARAMS.p}`,
  samples: samples.length,
};

report('password', [...results, ...cold, scrypt]);
