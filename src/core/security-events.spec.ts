import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { SecurityEvent } from './security-events.js';
import { SECURITY_LOG_LINES_PER_SECOND, SecurityEvents, WardenEvent } from './security-events.js';

describe('SecurityEvents', () => {
  let logged: string[];
  let warned: string[];

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-30T10:00:00.000Z') });
    logged = [];
    warned = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => {
      logged.push(String(message));
    });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warned.push(String(message));
    });
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('gives every event to its listeners, but logs at most the cap per type and second, then says how many it left out', () => {
    const events = new SecurityEvents();
    const heard: SecurityEvent[] = [];
    events.subscribe((event) => heard.push(event));
    const flood = SECURITY_LOG_LINES_PER_SECOND + 50;
    for (let i = 0; i < flood; i++) events.emit(WardenEvent.CSRF_REJECTED, { ip: '203.0.113.9' });
    events.emit(WardenEvent.LOGIN_FAILED, { accountHash: 'abc' }); // another type has its own cap

    expect(heard).toHaveLength(flood + 1);
    expect(logged).toHaveLength(SECURITY_LOG_LINES_PER_SECOND + 1);
    expect(warned).toHaveLength(0);

    jest.advanceTimersByTime(1000);
    expect(warned).toHaveLength(1);
    expect(JSON.parse(warned[0])).toEqual({
      type: 'warden.log.suppressed',
      at: '2026-11-30T10:00:01.000Z',
      event: WardenEvent.CSRF_REJECTED,
      suppressed: 50,
    });

    // A new second logs again, and the summary is not repeated.
    events.emit(WardenEvent.CSRF_REJECTED);
    expect(logged).toHaveLength(SECURITY_LOG_LINES_PER_SECOND + 2);
    jest.advanceTimersByTime(5000);
    expect(warned).toHaveLength(1);
  });

  it('writes the summary of a second when the next event of that type arrives first', () => {
    const events = new SecurityEvents();
    for (let i = 0; i < SECURITY_LOG_LINES_PER_SECOND + 3; i++)
      events.emit(WardenEvent.LOGIN_FAILED);
    jest.setSystemTime(Date.now() + 1500); // the clock moves on, the timer has not fired yet
    events.emit(WardenEvent.LOGIN_FAILED);
    expect(warned.map((line) => JSON.parse(line) as { suppressed: number })).toEqual([
      expect.objectContaining({ event: WardenEvent.LOGIN_FAILED, suppressed: 3 }),
    ]);
    jest.runOnlyPendingTimers();
    expect(warned).toHaveLength(1);
  });
});
