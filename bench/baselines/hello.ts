// Baseline `hello`: the same Nest 12 + Express stack with one route that does no auth and no
// I/O. The framework's ceiling on this machine.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { announce, env } from './common.js';

@Controller()
class HelloController {
  @Get('hello')
  hello() {
    return { hello: 'world' };
  }
}

@Module({ controllers: [HelloController] })
class HelloModule {}

const app = await NestFactory.create(HelloModule, { logger: ['error', 'warn'] });
await app.listen(env.port, '127.0.0.1');
announce('hello');
