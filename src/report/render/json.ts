import type { Report } from '../finding.ts';
import { sanitize } from '../sanitize.ts';
import { publicPiece } from './common.ts';
import { jsonChunks } from './stream.ts';

/** The public report as JSON, in chunks (an app, a check, a finding each): see stream.ts. */
export function jsonReportChunks(r: Report): Generator<string> {
  return jsonChunks(r as unknown as Record<string, unknown>, publicPiece, sanitize);
}

export function renderJson(r: Report): string {
  return [...jsonReportChunks(r)].join('');
}
