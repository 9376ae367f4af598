/** DI token of the example app's ioredis client (only when REDIS_URL is set). */
export const EXAMPLE_REDIS = 'WARDEN_EXAMPLE:REDIS';
/** DI token of the example app's resolved configuration. */
export const EXAMPLE_CONFIG = 'WARDEN_EXAMPLE:CONFIG';
/** DI token of the example app's nest-warden Redis adapters (only when REDIS_URL is set). */
export const EXAMPLE_REDIS_ADAPTERS = 'WARDEN_EXAMPLE:REDIS_ADAPTERS';
