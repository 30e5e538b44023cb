import { stringify } from 'yaml';
import type { Report } from '../finding.ts';
import { publicReport } from './common.ts';

export function renderYaml(r: Report): string {
  return stringify(publicReport(r), { lineWidth: 0 });
}
