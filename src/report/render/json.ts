import type { Report } from '../finding.ts';
import { publicReport } from './common.ts';

export function renderJson(r: Report): string {
  return `${JSON.stringify(publicReport(r), null, 2)}\n`;
}
