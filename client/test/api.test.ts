import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, request } from '../src/api';

function mockFetch(status: number, body: string) {
  const fn = vi.fn(
    async (_path: string, _init?: RequestInit) => new Response(body || null, { status }),
  );
  vi.stubGlobal('fetch', fn);
  return fn;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('request', () => {
  it('sends JSON with same-origin credentials and parses the answer', async () => {
    const fetch = mockFetch(201, '{"me":{"id":1,"nickname":"Ada","room":"main"}}');
    const res = await api.join({ room: 'main', nickname: 'Ada' });
    expect(res.me.nickname).toBe('Ada');
    const [path, init] = fetch.mock.calls[0]!;
    expect(path).toBe('/api/session');
    expect(init!.method).toBe('POST');
    expect(init!.credentials).toBe('same-origin');
    expect((init!.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(JSON.parse(init!.body as string)).toEqual({ room: 'main', nickname: 'Ada' });
  });

  it('sends a JSON content type on a bodiless DELETE for the CSRF guard', async () => {
    const fetch = mockFetch(204, '');
    await expect(api.hostSignOut()).resolves.toBeNull();
    const init = fetch.mock.calls[0]![1]!;
    expect(init.method).toBe('DELETE');
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('GET sends no body', async () => {
    const fetch = mockFetch(200, '{"me":null}');
    await api.getSession();
    expect(fetch.mock.calls[0]![1]!.body).toBeUndefined();
  });

  it('throws ApiError with the code and message of the error body', async () => {
    mockFetch(409, '{"error":{"code":"nickname_taken","message":"Pick another nickname."}}');
    const err = await request('POST', '/api/session', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 409,
      code: 'nickname_taken',
      message: 'Pick another nickname.',
    });
  });

  it('still throws a usable ApiError for a non-JSON error body', async () => {
    mockFetch(502, '<html>Bad gateway</html>');
    await expect(request('GET', '/x')).rejects.toMatchObject({ status: 502, code: 'http_502' });
  });

  it('maps a network failure to network_error', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('failed'))),
    );
    await expect(request('GET', '/x')).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });

  it('encodes room slugs into paths', async () => {
    const fetch = mockFetch(200, '{"round":{}}');
    await api.setPhase('main', { from: 'vote', to: 'closed', duration_s: null });
    expect(fetch.mock.calls[0]![0]).toBe('/api/host/rooms/main/phase');
  });

  it('posts the facilitator clock changes', async () => {
    const fetch = mockFetch(200, '{"round":{}}');
    await api.pauseClock('main');
    await api.resumeClock('main');
    await api.extendClock('main', 60);
    const calls = fetch.mock.calls.map(([path, init]) => [path, init!.method, init!.body]);
    expect(calls).toEqual([
      ['/api/host/rooms/main/pause', 'POST', '{}'],
      ['/api/host/rooms/main/resume', 'POST', '{}'],
      ['/api/host/rooms/main/extend', 'POST', '{"seconds":60}'],
    ]);
  });

  it('reports a refused clock change with the server code', async () => {
    mockFetch(409, '{"error":{"code":"not_paused","message":"the clock is not paused"}}');
    await expect(api.resumeClock('main')).rejects.toMatchObject({
      status: 409,
      code: 'not_paused',
    });
  });
});
