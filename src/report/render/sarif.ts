/**
 * SARIF 2.1.0 for GitHub code scanning: every rule of the catalogue in tool.driver.rules (alerts need the
 * rule metadata to render help), one result per finding at the line and column of the offending key, and
 * partialFingerprints from rule + subject (not the line), so an alert survives unrelated edits above it.
 */
import { createHash } from 'node:crypto';
import type { Report, Rule, Severity } from '../finding.ts';
import { RULES } from '../../rules/index.ts';
import { publicReport, subjectLine } from './common.ts';

/** Where docs/rules.md is published; each rule is an anchor there. */
export const RULES_DOC_URL = 'https://github.com/otel-doctor/otel-doctor/blob/main/docs/rules.md';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

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
function artifactUri(file: string): string {
  if (file === '-') return 'stdin';
  const norm = file.replace(/\\/g, '/');
  const enc = norm.split('/').map(encodeURIComponent).join('/');
  return norm.startsWith('/') ? `file://${enc}` : enc.replace(/^\.\//, '');
}

export function renderSarif(input: Report, opts: { version?: string; inputErrors?: { file: string; line?: number; column?: number; message: string }[] } = {}): string {
  const r = publicReport(input);
  const rules = RULES;
  const results = r.findings.map((f) => {
    const idx = rules.findIndex((x) => x.id === f.rule);
    const subject = `${f.subject.kind}/${f.subject.namespace ?? ''}/${f.subject.name}/${f.subject.container ?? ''}`;
    const loc = f.location;
    return {
      ruleId: f.rule,
      ...(idx >= 0 ? { ruleIndex: idx } : {}),
      level: LEVEL[f.severity],
      message: { text: `${subjectLine(f)}: ${f.summary}. ${f.rootCause} Fix: ${f.fix.summary}` },
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
      partialFingerprints: { 'otelDoctorFinding/v1': createHash('sha256').update(`${f.rule}\0${subject}`).digest('hex').slice(0, 32) },
      properties: { subject: f.subject, evidence: f.evidence.map((e) => `${e.source}: ${e.detail}`) },
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
