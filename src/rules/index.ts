/** The rule catalogue: one source for diagnose, lint, explain and docs/rules.md. */
import type { Rule } from '../report/finding.ts';
import { rule as receiverBoundToLoopback } from './receiver-bound-to-loopback.ts';
import { rule as receiverDefaultLoopback } from './receiver-default-loopback.ts';

export const RULES: Rule[] = [receiverBoundToLoopback, receiverDefaultLoopback];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
