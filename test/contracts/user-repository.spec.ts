import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../src/example/database.js';
import { MemoryUserRepository } from '../../src/users/memory-user.repository.js';
import { TypeOrmUserRepository } from '../../src/users/typeorm-user.repository.js';
import { createTestSchema, TEST_DATABASE_URL } from '../support/services.js';
import { describeUserRepositoryContract } from '../../src/testing/contracts/user-repository.contract.js';

describeUserRepositoryContract('MemoryUserRepository', () => ({
  create: async () => new MemoryUserRepository(),
  destroy: async () => undefined,
}));

describeUserRepositoryContract('TypeOrmUserRepository on PostgreSQL', () => {
  let dataSource: DataSource;
  let drop: () => Promise<void>;
  return {
    create: async () => {
      const schema = await createTestSchema();
      drop = schema.drop;
      dataSource = await openDatabase(
        { type: 'postgres', url: TEST_DATABASE_URL },
        { schema: schema.schema },
      );
      return new TypeOrmUserRepository(dataSource);
    },
    destroy: async () => {
      await dataSource.destroy();
      await drop();
    },
  };
});

describeUserRepositoryContract('TypeOrmUserRepository on SQLite', () => {
  let dataSource: DataSource;
  let dir: string;
  return {
    create: async () => {
      dir = mkdtempSync(join(tmpdir(), 'warden-sqlite-'));
      dataSource = await openDatabase({ type: 'sqlite', path: join(dir, 'users.sqlite') });
      return new TypeOrmUserRepository(dataSource);
    },
    destroy: async () => {
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
