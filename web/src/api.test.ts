import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, setCsrfToken } from './api';

function mockFetch(status: number, body: unknown) {
  const fetch = vi.fn().mockResolvedValue(new Response(JSON.stringify(body), { status }));
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

afterEach(() => vi.unstubAllGlobals());

describe('api client', () => {
  it('sends the CSRF token and an idempotency key with credit commands', async () => {
    setCsrfToken('csrf-123');
    const fetch = mockFetch(200, { seq: 7 });
    await api.command('PUT', '/v1/customers/C1/limit', { limit_minor: 100, currency: 'CNY' });
    const [path, init] = fetch.mock.calls[0];
    expect(path).toBe('/v1/customers/C1/limit');
    expect(init.method).toBe('PUT');
    expect(init.headers['X-CSRF-Token']).toBe('csrf-123');
    expect(init.headers['Idempotency-Key']).toMatch(/^console-/);
    expect(init.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(init.body)).toEqual({ limit_minor: 100, currency: 'CNY' });
  });
  it('sends no CSRF token or key with reads', async () => {
    const fetch = mockFetch(200, { customers: [] });
    await api.get('/v1/customers');
    const [, init] = fetch.mock.calls[0];
    expect(init.headers['X-CSRF-Token']).toBeUndefined();
    expect(init.headers['Idempotency-Key']).toBeUndefined();
  });
  it('turns error bodies into ApiError', async () => {
    mockFetch(403, { error: { code: 'forbidden', message: 'the role sales may not do this', field: '' } });
    const error = (await api.command('PUT', '/v1/customers/C1/limit', {}).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(403);
    expect(error.code).toBe('forbidden');
  });
});
