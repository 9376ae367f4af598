import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { wardenSwagger } from 'nest-warden';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(AppModule);
app.enableShutdownHooks(); // SIGTERM closes the Redis client and the database pool
// Swagger UI at /docs: wardenSwagger adds the session and bearer schemes (the Authorize button),
// X-CSRF-Token on unsafe cookie operations and the error codes.
const config = new DocumentBuilder().setTitle('My API').build();
SwaggerModule.setup('docs', app, wardenSwagger(app, SwaggerModule.createDocument(app, config)));
await app.listen(process.env.PORT ?? 3000);
console.log(`listening on ${await app.getUrl()}`);
