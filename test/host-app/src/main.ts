import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(AppModule);
app.enableShutdownHooks(); // SIGTERM closes the Redis client and the database pool
await app.listen(process.env.PORT ?? 3000);
console.log(`listening on ${await app.getUrl()}`);
