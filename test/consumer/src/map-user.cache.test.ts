// Runs nest-warden's exported UserCache contract suite against the consumer's own adapter.
import { describeUserCacheContract } from 'nest-warden/testing';
import { MapUserCache } from './map-user.cache.js';

// BROKEN=1 runs the suite against an adapter that breaks the port (fills over a value).
const broken = process.env.BROKEN === '1';

describeUserCacheContract(broken ? 'a broken MapUserCache' : 'MapUserCache', () => ({
  create: async () => new MapUserCache(broken),
  destroy: async () => undefined,
}));
