// Writes a report as `latest.json`, `latest.md` and `latest.svg` in one directory.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMarkdown } from './report-markdown.ts';
import { renderSvg } from './report-svg.ts';
import type { BenchReport } from './report-types.ts';

export interface ReportPaths {
  readonly json: string;
  readonly markdown: string;
  readonly svg: string;
}

export function writeReports(report: BenchReport, dir: string): ReportPaths {
  mkdirSync(dir, { recursive: true });
  const paths = { json: join(dir, 'latest.json'), markdown: join(dir, 'latest.md'), svg: join(dir, 'latest.svg') };
  writeFileSync(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(paths.markdown, renderMarkdown(report, 'latest.svg'));
  writeFileSync(paths.svg, renderSvg(report));
  return paths;
}
