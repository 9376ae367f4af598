import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { TestApp } from '../support/app.js';
import { startTestApp } from '../support/app.js';
import { ROOT } from '../support/processes.js';

/** `METHOD /path` of every row of docs/http-api.md's endpoint tables, `:id` as `{id}`. */
function documentedOperations(markdown: string): string[] {
  const operations: string[] = [];
  for (const line of markdown.split('\n')) {
    const cell = /^\| ((?:GET|POST|PUT|PATCH|DELETE) [^|]+)\|/.exec(line)?.[1];
    if (!cell) continue;
    for (const operation of cell.trim().split(/,\s*/)) {
      operations.push(operation.replace(/\?.*$/, '').replace(/:(\w+)/g, '{$1}'));
    }
  }
  return operations.sort();
}

describe('docs/http-api.md', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('express');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('has a row for every operation the example app serves, and serves every row', async () => {
    const { body } = await request(t.server).get('/docs-json').expect(200);
    const served = Object.entries(body.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .concat(['GET /docs', 'GET /docs-json']);
    const documented = documentedOperations(
      readFileSync(join(ROOT, 'docs', 'http-api.md'), 'utf8'),
    );
    expect(documented).toEqual(served.sort());
  });

  it('is what the README links to, and the README links nothing outside the repository', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('(docs/http-api.md)');
    const links = [...readme.matchAll(/\]\(([^)#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]);
    expect(links.filter((link) => link.startsWith('../'))).toEqual([]);
  });
});
