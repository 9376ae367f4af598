import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  CsrfInvalidException,
  TooManyAttemptsException,
  ValidationFailedException,
  WardenUnavailableException,
} from './warden.exceptions.js';

describe('nest-warden exceptions', () => {
  it("are Nest's exceptions, with their name, status and body, but without a captured stack", () => {
    const limit = Error.stackTraceLimit;
    const error = new ValidationFailedException(['email must be a string']);
    expect(error).toBeInstanceOf(BadRequestException);
    expect(error).toBeInstanceOf(HttpException);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ValidationFailedException');
    expect(error.getStatus()).toBe(400);
    expect(error.getResponse()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(error.stack?.split('\n')).toHaveLength(1); // "ValidationFailedException: …", no frames
    expect(Error.stackTraceLimit).toBe(limit);

    expect(new CsrfInvalidException()).toBeInstanceOf(ForbiddenException);
    expect(new TooManyAttemptsException(30).getStatus()).toBe(429);
    const unavailable = new WardenUnavailableException('Session store unavailable', {
      cause: new Error('ECONNREFUSED'),
      service: 'redis',
    });
    expect(unavailable).toBeInstanceOf(ServiceUnavailableException);
    expect(unavailable.cause).toBeInstanceOf(Error);
    // Errors made elsewhere keep their stacks.
    expect(new Error('x').stack?.split('\n').length).toBeGreaterThan(1);
  });
});
