/**
 * SARIF 2.1.0 for GitHub code scanning: every rule of the catalogue in tool.driver.rules (alerts need the
 * rule metadata to render help), one result per finding at the line and column of the offending key, and
 * partialFingerprints from rule + subject + the components the finding is about (never the line), so an
 * alert survives unrelated edits above it and two findings never merge into one alert.
 */
import { createHash } from 'node:crypto';
import type { Finding, Report, Rule, Severity } from '../finding.ts';
import { RULES } from '../../rules/index.ts';
import { publicReport, subjectLine } from './common.ts';

/** Where docs/rules.md is published; each rule is an anchor there. */
export const RULES_DOC_URL = 'https://github.com/otel-doctor/otel-doctor/blob/main/docs/rules.md';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** Collector components named as dotted config paths: `receivers.otlp.protocols.grpc`, `extensions.health_check`. */
const COMPONENT_PATH = /\b(receivers|extensions|exporters|processors|connectors)\.([A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)?)/g;
/** `receiver jaeger`, `the otlp receiver`, `receiver otlp/2` (the way the receiver rules name one in prose). */
const RECEIVER_WORD = /\breceiver ([a-z0-9_]+(?:\/[A-Za-z0-9_-]+)?)\b|\b([a-z0-9_]+(?:\/[A-Za-z0-9_-]+)?) receiver\b/g;
/** `port 4318`, `Service port otlp-grpc 4317`, `hostPort 4317, 4318`. */
const PORT = /\b(?:port|hostPort)s? (?:([a-z][a-z0-9-]*) )?(\d+(?:, \d+)*)\b/gi;
const ENV_NAME = /\bOTEL_[A-Z0-9_]+\b/g;

/**
 * What a finding is about beyond its rule and subject: the collector components, ports and SDK settings it
 * names in its summary and fix (receiver-not-in-pipeline finds jaeger and zipkin on the same Deployment;
 * service-port-mismatch one finding per port). Only identities, never counts, versions or lines, which
 * change without the problem changing. The catalogue's Finding has no such field yet, so this reads the
 * same text lint uses to place a finding on its key (lint/build.ts, configPaths).
 */
export function findingIdentity(f: Pick<Finding, 'summary' | 'fix'>): string[] {
  const text = `${f.summary}\n${f.fix.summary}\n${f.fix.target ?? ''}`;
  const refs = new Set<string>();
  for (const m of text.matchAll(COMPONENT_PATH)) { refs.add(`${m[1]}.${m[2]}`); }
  // Prose caught as well ("receiver bound to ...") is the same words in every run of a rule: harmless.
  for (const m of f.summary.matchAll(RECEIVER_WORD)) { refs.add(`receivers.${m[1] ?? m[2]}`); }
  for (const m of f.summary.matchAll(PORT)) { refs.add(`port ${m[1] ? `${m[1]} ` : ''}${m[2]}`); }
  for (const m of f.summary.matchAll(ENV_NAME)) { refs.add(`env ${m[0]}`); }
  return [...refs].sort();
}

// v2: rule + subject + file + the components named (v1 was rule + subject only, which merged distinct alerts).
const FINGERPRINT_KEY = 'otelDoctorFinding/v2';

function fingerprint(parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
}

function ruleDescriptor(r: Rule): Record<string, unknown> {
  return {
    id: r.id,
    name: r.id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
    shortDescription: { text: r.title },
    fullDescription: { text: r.description },
    help: { text: `${r.description}\n\nFix: ${r.fix}`, markdown: `${r.description}\n\n**Fix:** ${r.fix}` },
    helpUri: `${RULES_DOC_URL}#${r.id}`,
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: { tags: ['opentelemetry', 'kubernetes', ...r.modes.map((m) => `mode:${m}`)], precision: 'high' },
  };
}

/** A relative path as an artifact URI (forward slashes, percent-encoded), absolute ones as file:// URIs. */
export function artifactUri(file: string): string {
  if (file === '-') { return 'stdin'; }
  const norm = file.replace(/\\/g, '/');
  const enc = norm.split('/').map(encodeURIComponent).join('/');
  return norm.startsWith('/') ? `file://${enc}` : enc.replace(/^\.\//, '');
}

function subjectKey(f: Finding): string {
  return `${f.subject.kind}/${f.subject.namespace ?? ''}/${f.subject.name}/${f.subject.container ?? ''}`;
}

/**
 * The file as the fingerprint sees it: relative to `baseDir` (lint passes the working directory) when
 * inside it, so `lint $GITHUB_WORKSPACE/k8s` fingerprints the same on every runner, whatever its checkout path.
 */
function fingerprintFile(file: string, baseDir?: string): string {
  const norm = file.replace(/\\/g, '/');
  const base = baseDir?.replace(/\\/g, '/').replace(/\/+$/, '');
  if (base && norm.startsWith(`${base}/`)) { return norm.slice(base.length + 1); }
  return norm.replace(/^\.\//, '');
}

export function renderSarif(input: Report, opts: { version?: string; baseDir?: string; inputErrors?: { file: string; line?: number; column?: number; message: string }[] } = {}): string {
  const r = publicReport(input);
  const rules = RULES;
  // Findings that still share an identity (a rule that names nothing distinguishing twice on one subject)
  // are numbered in the order of their text, which does not depend on where they sit in the files.
  // The file too (never the line): the same object in two variants (k8s/prod, k8s/staging) is two alerts.
  // Suppressed findings are results too, with `suppressions`: code scanning shows them as dismissed, with the reason.
  const all = [...r.findings, ...(r.suppressed ?? [])];
  // A fleet's cluster is part of the identity: the same finding in two clusters is two alerts.
  const identity = all.map((f) => [f.rule, ...(f.cluster !== undefined ? [`cluster ${f.cluster}`] : []), subjectKey(f), ...(f.location?.file ? [`file ${fingerprintFile(f.location.file, opts.baseDir)}`] : []), ...findingIdentity(f)]);
  const text = (f: Finding): string => [f.summary, f.rootCause, f.fix.summary, f.fix.patch ?? ''].join('\0');
  const seen = new Map<string, string[]>();
  all.forEach((f, i) => {
    const k = identity[i]!.join('\0');
    seen.set(k, [...(seen.get(k) ?? []), text(f)]);
  });
  const results = all.map((f, i) => {
    const idx = rules.findIndex((x) => x.id === f.rule);
    const subject = subjectKey(f);
    const id = identity[i]!;
    const twins = [...seen.get(id.join('\0'))!].sort();
    const ordinal = twins.length > 1 ? [`#${twins.indexOf(text(f))}`] : [];
    const loc = f.location;
    return {
      ruleId: f.rule,
      ...(idx >= 0 ? { ruleIndex: idx } : {}),
      level: LEVEL[f.severity],
      message: { text: `${f.cluster !== undefined ? `cluster ${f.cluster}: ` : ''}${subjectLine(f)}: ${f.summary}. ${f.rootCause} Fix: ${f.fix.summary}` },
      ...(loc
        ? {
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: artifactUri(loc.file) },
                  region: { startLine: loc.line ?? 1, ...(loc.column ? { startColumn: loc.column } : {}) },
                },
                logicalLocations: [{ name: f.subject.name, fullyQualifiedName: subject, kind: 'object' }],
              },
            ],
          }
        : {}),
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint([...id, ...ordinal]) },
      // inSource: an annotation on the object itself; external: the config file or --ignore.
      ...(f.suppression ? { suppressions: [{ kind: f.suppression.by === 'annotation' ? 'inSource' : 'external', status: 'accepted', justification: `${f.suppression.reason} (${f.suppression.source})` }] } : {}),
      properties: { ...(f.cluster !== undefined ? { cluster: f.cluster } : {}), subject: f.subject, evidence: f.evidence.map((e) => `${e.source}: ${e.detail}`) },
    };
  });
  const notifications = (opts.inputErrors ?? []).map((e) => ({
    level: 'error',
    message: { text: e.message },
    locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(e.file) }, ...(e.line ? { region: { startLine: e.line, ...(e.column ? { startColumn: e.column } : {}) } } : {}) } }],
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'otel-doctor', ...(opts.version ? { version: opts.version, semanticVersion: opts.version } : {}), informationUri: RULES_DOC_URL, rules: rules.map(ruleDescriptor) } },
        invocations: [{ executionSuccessful: notifications.length === 0, ...(notifications.length ? { toolExecutionNotifications: notifications } : {}) }],
        results,
        columnKind: 'unicodeCodePoints',
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
