import { describe, expect, it } from 'vitest';
import { NonRetryableError, WaymarkError } from '../../src/core/errors.ts';
import { SecretMasker } from '../../src/core/secret-masker.ts';
import { serializeError } from '../../src/core/serialize-error.ts';

describe('SecretMasker.mask', () => {
  it('replaces every occurrence of a secret by ***', () => {
    const masker = new SecretMasker(['hunter22']);
    expect(masker.mask('pw=hunter22; again hunter22!')).toBe('pw=***; again ***!');
    expect(masker.mask('nothing here')).toBe('nothing here');
  });

  it('ignores empty and too-short values (under 3 characters), which would mask everything', () => {
    const masker = new SecretMasker(['', 'a', 'ok']);
    expect(masker.isEmpty).toBe(true);
    expect(masker.mask('a ok banana')).toBe('a ok banana');
    expect(new SecretMasker(['abc']).mask('xabcx')).toBe('x***x');
  });

  it('masks a secret contained in a longer one fully, whatever the order they were added in', () => {
    for (const values of [
      ['pass', 'password123'],
      ['password123', 'pass'],
    ]) {
      const masker = new SecretMasker(values);
      expect(masker.mask('login password123 or pass')).toBe('login *** or ***');
    }
  });

  it('leaves no part visible when two secrets overlap', () => {
    const masker = new SecretMasker(['abcdef', 'defghi']);
    expect(masker.mask('[abcdefghi]')).toBe('[***]');
    // Overlapping occurrences of one secret, too.
    expect(new SecretMasker(['aaa']).mask('baaaab')).toBe('b***b');
  });

  it('treats values literally (no pattern syntax)', () => {
    const masker = new SecretMasker(['a.*b$(x)']);
    expect(masker.mask('a.*b$(x) and aXXb')).toBe('*** and aXXb');
  });

  it('masks the JSON-escaped form a step prints inside JSON text', () => {
    const secret = 'p"ss\\w0rd';
    const masker = new SecretMasker([secret]);
    const printed = JSON.stringify({ password: secret });
    expect(printed).not.toContain(secret);
    expect(masker.mask(printed)).toBe('{"password":"***"}');
    expect(masker.mask(`raw ${secret}`)).toBe('raw ***');
  });

  it('masks each line of a multi-line secret, as line-oriented output splits it', () => {
    const key = '-----BEGIN KEY-----\nAAAAbbbbCCCC\n-----END KEY-----';
    const masker = new SecretMasker([key]);
    expect(masker.mask(`key:\n${key}\n`)).toBe('key:\n***\n');
    expect(masker.mask('second line alone: AAAAbbbbCCCC')).toBe('second line alone: ***');
  });

  it('masks values added later from then on', () => {
    const masker = new SecretMasker();
    expect(masker.mask('token-1234')).toBe('token-1234');
    masker.add('token-1234');
    expect(masker.mask('token-1234')).toBe('***');
  });
});

describe('SecretMasker.maskValue', () => {
  const masker = new SecretMasker(['s3cr3t-value']);

  it('masks every string of JSON data, object keys included, and leaves other values alone', () => {
    const value = {
      message: 'token s3cr3t-value',
      list: ['a', 's3cr3t-value', { deep: ['x s3cr3t-value y'] }],
      's3cr3t-value': 1,
      n: 42,
      ok: true,
      none: null,
    };
    expect(masker.maskValue(value)).toEqual({
      message: 'token ***',
      list: ['a', '***', { deep: ['x *** y'] }],
      '***': 1,
      n: 42,
      ok: true,
      none: null,
    });
    expect(value.message).toBe('token s3cr3t-value'); // the input is not changed
  });

  it('returns the same object when there is nothing to mask', () => {
    const clean = { a: ['b', { c: 'd' }], n: 1 };
    expect(masker.maskValue(clean)).toBe(clean);
    expect(new SecretMasker().maskValue({ x: 's3cr3t-value' })).toEqual({ x: 's3cr3t-value' });
  });

  it('keeps a "__proto__" key an own property', () => {
    const parsed = JSON.parse('{"__proto__": "s3cr3t-value"}') as object;
    const masked = masker.maskValue(parsed);
    expect(Object.getPrototypeOf(masked)).toBe(Object.prototype);
    expect(JSON.stringify(masked)).toBe('{"__proto__":"***"}');
  });

  it('masks a serialized error: message, stack, details and cause', () => {
    const cause = new Error('upstream said s3cr3t-value is invalid');
    const error = new NonRetryableError('login with s3cr3t-value failed', {
      cause,
      details: { header: 'Bearer s3cr3t-value', attempts: [{ sent: 's3cr3t-value' }] },
    });
    const serialized = serializeError(error);
    expect(JSON.stringify(serialized)).toContain('s3cr3t-value');
    const masked = masker.maskValue(serialized);
    expect(JSON.stringify(masked)).not.toContain('s3cr3t-value');
    expect(masked.message).toBe('login with *** failed');
    expect(masked.stack).toContain('login with *** failed');
    expect(masked.details).toEqual({ header: 'Bearer ***', attempts: [{ sent: '***' }] });
    expect(masked.cause?.message).toBe('upstream said *** is invalid');
    expect(masked.code).toBe('NON_RETRYABLE');
  });

  it('masks an error a shell step raises with its stderr in details', () => {
    const error = new WaymarkError('SHELL_EXIT', 'script exited with code 3: s3cr3t-value', {
      details: { exitCode: 3, stderrTail: 's3cr3t-value' },
    });
    const masked = masker.maskValue(serializeError(error));
    expect(masked.details).toEqual({ exitCode: 3, stderrTail: '***' });
  });
});
