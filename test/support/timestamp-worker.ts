// A separate process (run with TZ set) that writes or reads one user through
// TypeOrmUserRepository and prints the instants it saw as epoch milliseconds (JSON on stdout).
// Used by test/contracts/user-timestamps.spec.ts: a process's time zone must not move an instant.
import 'reflect-metadata';
import type { DatabaseConfig } from '../../src/example/config.js';
import { openDatabase } from '../../src/example/database.js';
import { TypeOrmUserRepository } from '../../src/users/typeorm-user.repository.js';

/** What the spec passes in WORKER_INPUT. */
export interface WorkerInput {
  database: DatabaseConfig;
  schema?: string;
  op: 'write' | 'read';
  id: string;
  /** `write` only: the login instant to record, epoch ms. */
  lastLoginAt?: number;
}

/** What the worker prints. */
export interface WorkerOutput {
  /** `write` only: Date.now() just before and just after the INSERT. */
  before?: number;
  after?: number;
  createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
}

const input = JSON.parse(process.env.WORKER_INPUT ?? '{}') as WorkerInput;
const dataSource = await openDatabase(input.database, { schema: input.schema });
try {
  const users = new TypeOrmUserRepository(dataSource);
  const output: Partial<WorkerOutput> = {};
  if (input.op === 'write') {
    output.before = Date.now();
    await users.create({
      id: input.id,
      email: `${input.id}@example.com`,
      emailSkeleton: `${input.id}@example.com`,
      displayName: 'tz',
      passwordHash: 'h',
      roles: [],
    });
    output.after = Date.now();
    await users.recordLogin(input.id, new Date(input.lastLoginAt ?? 0));
  }
  const user = await users.findById(input.id);
  if (!user) throw new Error(`user ${input.id} not found`);
  output.createdAt = user.createdAt.getTime();
  output.updatedAt = user.updatedAt.getTime();
  output.lastLoginAt = user.lastLoginAt?.getTime() ?? null;
  process.stdout.write(JSON.stringify(output));
} finally {
  await dataSource.destroy();
}
