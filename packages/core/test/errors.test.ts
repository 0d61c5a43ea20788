import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  InputError,
  isPortcullisError,
  PortcullisError,
  problemTypeFor,
  StoreError,
  toProblemResponse,
} from '../src/index.js';

describe('PortcullisError', () => {
  it('carries a stable code, a status and an RFC 9457 body', () => {
    const err = new PortcullisError('ERR_TOKEN_EXPIRED', 401, 'Token expired', {
      detail: 'the access token has expired',
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      extensions: { retryable: false },
    });
    expect(err.code).toBe('ERR_TOKEN_EXPIRED');
    expect(err.status).toBe(401);
    expect(err.toProblem('/me')).toEqual({
      type: 'https://portcullis.dev/problems/token-expired',
      title: 'Token expired',
      status: 401,
      code: 'ERR_TOKEN_EXPIRED',
      detail: 'the access token has expired',
      instance: '/me',
      retryable: false,
    });
  });

  it('never lets an extension overwrite the standard members', () => {
    const err = new PortcullisError('ERR_X', 400, 'X', {
      extensions: { status: 200, code: 'OK', type: 'evil' },
    });
    const body = err.toProblem();
    expect(body.status).toBe(400);
    expect(body.code).toBe('ERR_X');
    expect(body.type).toBe(problemTypeFor('ERR_X'));
  });

  it('keeps the cause out of the problem body', () => {
    const err = new StoreError('ERR_STORE_TIMEOUT', 'redis took too long', {
      cause: new Error('secret host'),
    });
    expect(JSON.stringify(err.toProblem())).not.toContain('secret host');
    expect(err.status).toBe(503);
    expect(err.headers['Retry-After']).toBe('5');
  });

  it('has subclasses per family that are recognised by isPortcullisError', () => {
    expect(isPortcullisError(new ConfigError('bad'))).toBe(true);
    expect(new InputError('ERR_INPUT_TOO_LARGE', 'big').status).toBe(413);
    expect(new InputError('ERR_INPUT_INVALID', 'bad').status).toBe(400);
    expect(isPortcullisError(new Error('plain'))).toBe(false);
    expect(isPortcullisError({ code: 'ERR_X', status: 400 })).toBe(false);
  });
});

describe('toProblemResponse', () => {
  it('maps an unknown error to an opaque 500 without its message', () => {
    const r = toProblemResponse(new Error('db password is hunter2'));
    expect(r.status).toBe(500);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(JSON.stringify(r.body)).not.toContain('hunter2');
  });

  it('keeps the status and headers of a Portcullis error', () => {
    const r = toProblemResponse(new StoreError('ERR_STORE_UNAVAILABLE', 'down'));
    expect(r.status).toBe(503);
    expect(r.headers['Retry-After']).toBe('5');
    expect(r.body.code).toBe('ERR_STORE_UNAVAILABLE');
  });

  it('keeps the 4xx status of a framework client error without echoing its message', () => {
    const bodyParser = Object.assign(
      new SyntaxError('Unexpected token \'<\', "<script>" is not valid JSON'),
      {
        status: 400,
        expose: true,
      },
    );
    const r = toProblemResponse(bodyParser, '/login');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'ERR_INPUT_INVALID', status: 400, instance: '/login' });
    expect(JSON.stringify(r.body)).not.toContain('script');
    const fastifyTooLarge = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(toProblemResponse(fastifyTooLarge).body).toMatchObject({
      code: 'ERR_INPUT_TOO_LARGE',
      status: 413,
    });
    expect(toProblemResponse(Object.assign(new Error('x'), { statusCode: 415 })).status).toBe(415);
  });

  it('does not take a 5xx or a nonsense status from a foreign error', () => {
    expect(toProblemResponse(Object.assign(new Error('db'), { status: 503 })).status).toBe(500);
    expect(toProblemResponse(Object.assign(new Error('x'), { status: 404.5 })).status).toBe(500);
    expect(toProblemResponse(Object.assign(new Error('x'), { statusCode: '400' })).status).toBe(500);
  });
});
