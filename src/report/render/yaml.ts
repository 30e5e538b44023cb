import type { Report } from '../finding.ts';
import { sanitize } from '../sanitize.ts';
import { publicPiece } from './common.ts';
import { yamlChunks } from './stream.ts';

/** The public report as YAML, in chunks (an app, a check, a finding each): see stream.ts. */
export function yamlReportChunks(r: Report): Generator<string> {
  return yamlChunks(r as unknown as Record<string, unknown>, publicPiece, sanitize);
}

export function renderYaml(r: Report): string {
  return [...yamlReportChunks(r)].join('');
}
