import { createHmac, randomBytes } from 'node:crypto';
import { HmacSha256 } from './hmac.js';

const hex = (value: string) => Buffer.from(value, 'hex');

describe('HmacSha256', () => {
  it('gives the RFC 4231 HMAC-SHA-256 test vectors', () => {
    const vectors: [Buffer, Buffer, string][] = [
      [
        Buffer.alloc(20, 0x0b),
        Buffer.from('Hi There'),
        'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
      ],
      [
        Buffer.from('Jefe'),
        Buffer.from('what do ya want for nothing?'),
        '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      ],
      [
        Buffer.alloc(20, 0xaa),
        Buffer.alloc(50, 0xdd),
        '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
      ],
      [
        hex('0102030405060708090a0b0c0d0e0f10111213141516171819'),
        Buffer.alloc(50, 0xcd),
        '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
      ],
      // A key longer than the block (131 bytes), hashed first.
      [
        Buffer.alloc(131, 0xaa),
        Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'),
        '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
      ],
      [
        Buffer.alloc(131, 0xaa),
        Buffer.from(
          'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
        ),
        '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
      ],
    ];
    for (const [key, data, mac] of vectors) {
      expect(new HmacSha256(key).digest(data).toString('hex')).toBe(mac);
    }
  });

  it('equals createHmac for keys of 0 to 200 bytes and messages of every kind', () => {
    const messages = ['', 'a', 'sid.v1.x.y', 'é€😀 multi-byte', 'x'.repeat(63), 'y'.repeat(300)];
    for (let length = 0; length <= 200; length += length < 70 ? 1 : 13) {
      const key = randomBytes(length);
      const mac = new HmacSha256(key);
      for (const message of [...messages, randomBytes(length)]) {
        expect(mac.digest(message)).toEqual(createHmac('sha256', key).update(message).digest());
      }
      // Again with the same object: nothing of one call leaks into the next.
      expect(mac.digest('again')).toEqual(createHmac('sha256', key).update('again').digest());
    }
  });

  it('takes a string key as its UTF-8 bytes, like createHmac', () => {
    for (const key of ['secret', 'ü-secret-€', 'k'.repeat(64), 'k'.repeat(65)]) {
      expect(new HmacSha256(key).digest('message')).toEqual(
        createHmac('sha256', key).update('message').digest(),
      );
    }
  });
});
