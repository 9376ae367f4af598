import 'reflect-metadata';
import { EnvError } from './example/env.js';
import { createApp } from './example/create-app.js';

/** The example app: `npm start`. Configuration: the environment variables of API.md. */
async function main(): Promise<void> {
  try {
    const { app, config } = await createApp(process.env);
    await app.listen(config.port, '0.0.0.0');
    console.log(
      `nest-warden example on http://localhost:${config.port} (${config.adapter}, ${config.database.type}, sessions: ${config.redisUrl ? 'redis' : 'in-process'}); docs at /docs`,
    );
  } catch (error) {
    if (error instanceof EnvError) {
      for (const problem of error.problems) console.error(problem);
    } else {
      console.error(error instanceof Error ? error.message : error);
    }
    process.exit(1);
  }
}

void main();
