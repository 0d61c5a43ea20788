/**
 * The alerting rules in deploy/prometheus: `promtool check rules` and `promtool test rules`
 * (Debian's prometheus package), plus mutations proving that the unit tests hold a firing and a
 * quiet case for every rule: silence any one rule and the tests fail on its firing case; make it
 * fire always and they fail on its quiet case.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type AlertRuleText,
  describePrometheus,
  readAlertRules,
  replaceRuleExpr,
} from '../../test-utils/prometheus.ts';

const run = promisify(execFile);
const DIR = join(import.meta.dirname, '..', '..', 'deploy', 'prometheus');
const RULES = join(DIR, 'alerts.yml');
const TESTS = join(DIR, 'alerts.test.yml');

/** Runs promtool; resolves with its exit code and output (never rejects on a non-zero exit). */
async function promtool(bin: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  try {
    const r = await run(bin, args, { cwd, timeout: 30_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** promtool's failure blocks, one per failed eval: `alertname: X, time: T, exp:[...], got:[...]`. */
function failures(out: string): { alert: string; expected: number; got: number }[] {
  return out
    .split(/\n\s*alertname: /)
    .slice(1)
    .map((block) => {
      const at = block.indexOf('got:[');
      const count = (s: string) => s.split('Labels:').length - 1;
      return {
        alert: block.slice(0, block.indexOf(',')),
        expected: count(block.slice(0, at)),
        got: count(block.slice(at)),
      };
    });
}

/**
 * The rule loosened to fire on anything: its last threshold becomes `>= 0` (every series it
 * selects) and `or vector(1)` makes it fire even with no series at all.
 */
function loosened(expr: string): string {
  return `${expr.replace(/\s+/g, ' ').replace(/\s*(>=|>|==)\s*[\d.]+\s*$/, ' >= 0')} or vector(1)`;
}

describePrometheus('alerting rules (deploy/prometheus/alerts.yml) under promtool', ({ promtool: bin }) => {
  let text = '';
  let work = '';
  beforeAll(async () => {
    text = await readFile(RULES, 'utf8');
    work = await mkdtemp(join(tmpdir(), 'portcullis-rules-'));
  });
  /** Runs the unit tests once per rule against a copy of the rules with that rule's expression rewritten. */
  const mutate = async (rules: AlertRuleText[], rewrite: (rule: AlertRuleText) => string) => {
    const results: [AlertRuleText, { code: number; out: string }][] = [];
    const one = async (rule: AlertRuleText, i: number) => {
      const dir = join(work, String(i));
      await mkdir(dir, { recursive: true });
      await cp(TESTS, join(dir, 'alerts.test.yml'));
      await writeFile(join(dir, 'alerts.yml'), replaceRuleExpr(text, rule, rewrite(rule)));
      results.push([rule, await promtool(bin, ['test', 'rules', 'alerts.test.yml'], dir)]);
    };
    // A few at a time: promtool is quick, the machine is shared.
    for (let i = 0; i < rules.length; i += 4)
      await Promise.all(rules.slice(i, i + 4).map((rule, k) => one(rule, i + k)));
    return results;
  };
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('is a valid rule file whose every alert has a severity, a summary and a description', async () => {
    const r = await promtool(bin, ['check', 'rules', RULES], DIR);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
    const rules = readAlertRules(text);
    expect(r.out).toContain(`${rules.length} rules found`);
    expect(rules.map((x) => x.name)).toEqual([
      'PortcullisLoginFailureSurge',
      'PortcullisLoginFailureSurgeByRoute',
      'PortcullisSustainedRateLimiting',
      'PortcullisTokenFailureSpike',
      'PortcullisRefreshTokenReuse',
      'PortcullisExecutableUploadRejected',
      'PortcullisAuditRecordsLost',
      'PortcullisStoreUnavailable',
      'PortcullisMetricsSeriesBudgetExhausted',
      'PortcullisMetricsScrapeFailing',
    ]);
    for (const rule of rules) {
      expect(rule.expr, rule.name).not.toBe('');
      expect(['critical', 'warning'], rule.name).toContain(rule.severity);
      expect(rule.summary?.length ?? 0, rule.name).toBeGreaterThan(10);
      expect(rule.description, rule.name).toMatch(/Check first: /);
    }
  });

  it('passes its promtool unit tests', async () => {
    const r = await promtool(bin, ['test', 'rules', TESTS], DIR);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('has a firing case per rule: silencing any one rule fails the tests on that rule', async () => {
    const results = await mutate(readAlertRules(text), () => 'vector(1) == 0');
    for (const [rule, r] of results) {
      expect(r.code, rule.name).not.toBe(0);
      const f = failures(r.out);
      // Only the silenced rule fails, and on a case that expected it to fire.
      expect(new Set(f.map((x) => x.alert)), rule.name).toEqual(new Set([rule.name]));
      expect(
        f.some((x) => x.expected > 0 && x.got === 0),
        rule.name,
      ).toBe(true);
    }
  }, 60_000);

  it('has a quiet case per rule: loosening any one rule to fire on anything fails the tests with an unexpected alert', async () => {
    const tests = await readFile(TESTS, 'utf8');
    const rules = readAlertRules(text);
    // A case that expects no alert at all...
    for (const rule of rules)
      expect(tests, rule.name).toMatch(new RegExp(`alertname: ${rule.name}\\n\\s*exp_alerts: \\[\\]`));
    // ...and the cases notice an alert too many.
    const results = await mutate(rules, (rule) => loosened(rule.expr));
    for (const [rule, r] of results) {
      expect(r.code, rule.name).not.toBe(0);
      const f = failures(r.out);
      expect(new Set(f.map((x) => x.alert)), rule.name).toEqual(new Set([rule.name]));
      expect(
        f.some((x) => x.got > x.expected),
        rule.name,
      ).toBe(true);
    }
  }, 60_000);
});
