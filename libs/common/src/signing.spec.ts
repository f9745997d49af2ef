import { TokenSigner } from './signing';

describe(TokenSigner.name, () => {
  const sut = new TokenSigner('a-secret-that-is-at-least-32-chars-long');

  it('gives back the payload of an intact token of the same purpose', () => {
    const token = sut.sign('cancel', { registrationId: 'r1' });
    expect(sut.verify('cancel', token)).toEqual({ registrationId: 'r1' });
  });

  it('refuses a token of another purpose, a tampered one, one signed with another secret, an expired one', () => {
    const token = sut.sign('cancel', { registrationId: 'r1' });
    expect(sut.verify('unsubscribe', token)).toBeNull();
    const [body, mac] = token.split('.');
    const tampered = `${Buffer.from(JSON.stringify({ registrationId: 'r2', p: 'cancel' })).toString('base64url')}.${mac}`;
    expect(sut.verify('cancel', tampered)).toBeNull();
    expect(sut.verify('cancel', `${body}.${mac.slice(0, -1)}x`)).toBeNull();
    expect(new TokenSigner('another-secret-that-is-32-chars-long!!').verify('cancel', token)).toBeNull();
    expect(sut.verify('cancel', sut.sign('cancel', { a: 1 }, -10))).toBeNull();
    for (const junk of ['', '.', 'abc', 'a.b.c', null, undefined, 'x'.repeat(5000)]) expect(sut.verify('cancel', junk)).toBeNull();
  });

  it('refuses a short secret', () => {
    expect(() => new TokenSigner('short')).toThrow(/32 characters/);
  });
});
