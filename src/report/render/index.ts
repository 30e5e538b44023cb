import type { Report } from '../finding.ts';
import type { RenderOptions } from './common.ts';
import { renderTable } from './table.ts';
import { renderWide } from './wide.ts';
import { jsonReportChunks, renderJson } from './json.ts';
import { renderYaml, yamlReportChunks } from './yaml.ts';
import { renderMarkdown } from './markdown.ts';
import { renderSarif } from './sarif.ts';
import { renderJunit } from './junit.ts';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'markdown' | 'sarif' | 'junit';
export const OUTPUT_FORMATS: OutputFormat[] = ['table', 'wide', 'json', 'yaml', 'markdown'];
export type { RenderOptions };

export function renderReport(r: Report, format: OutputFormat, opts: RenderOptions = {}): string {
  switch (format) {
    case 'wide':
      return renderWide(r, opts);
    case 'json':
      return renderJson(r);
    case 'yaml':
      return renderYaml(r);
    case 'markdown':
      return renderMarkdown(r);
    case 'sarif':
      return renderSarif(r);
    case 'junit':
      return renderJunit(r);
    default:
      return renderTable(r, opts);
  }
}

/**
 * The report as pieces to write one after the other: JSON and YAML element by element (stream.ts: a large
 * cluster's report is never one string), the other formats as their one string.
 */
export function renderReportChunks(r: Report, format: OutputFormat, opts: RenderOptions = {}): Iterable<string> {
  switch (format) {
    case 'json':
      return jsonReportChunks(r);
    case 'yaml':
      return yamlReportChunks(r);
    default:
      return [renderReport(r, format, opts)];
  }
}
