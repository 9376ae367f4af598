import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExampleConfig } from './config.js';
import { openDatabase } from './database.js';

describe('openDatabase', () => {
  it('creates the default SQLite file under DATA_DIR with mode 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-data-'));
    try {
      const config = loadExampleConfig({ DATA_DIR: join(dir, 'data') });
      expect(config.database).toEqual({ type: 'sqlite', path: join(dir, 'data', 'warden.sqlite') });
      const dataSource = await openDatabase(config.database);
      try {
        await dataSource.query('SELECT count(*) FROM warden_users');
        for (const file of ['warden.sqlite', 'warden.sqlite-wal']) {
          expect(statSync(join(dir, 'data', file)).mode & 0o777).toBe(0o600);
        }
      } finally {
        await dataSource.destroy();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
