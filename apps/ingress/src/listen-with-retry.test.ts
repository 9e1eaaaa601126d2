import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { createLogger } from '@skiff/log';
import { closeServer, listenWithRetry } from './listen-with-retry.ts';

describe('listenWithRetry', () => {
  it('keeps retrying a port in use and binds once it is free, never throwing', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as AddressInfo).port;
    const server = createServer();
    const errors: string[] = [];
    const logger = createLogger('test', 'error');
    logger.error = ((obj: { code?: string }) => {
      errors.push(obj.code ?? '');
    }) as typeof logger.error;
    const bound = listenWithRetry(server, { port, host: '127.0.0.1', name: 'http', retryMs: 30, logger, signal: new AbortController().signal });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.listening, false);
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    assert.equal(await bound, true);
    assert.equal((server.address() as AddressInfo).port, port);
    assert.ok(errors.length >= 2 && errors.every((c) => c === 'EADDRINUSE'), `logged EADDRINUSE each try: ${errors}`);
    await closeServer(server);
  });

  it('gives up quietly when the signal aborts', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const stop = new AbortController();
    const logger = createLogger('test', 'silent');
    const bound = listenWithRetry(createServer(), {
      port: (squatter.address() as AddressInfo).port,
      host: '127.0.0.1',
      name: 'http',
      retryMs: 10_000,
      logger,
      signal: stop.signal,
    });
    setTimeout(() => stop.abort(), 50);
    assert.equal(await bound, false);
    squatter.close();
  });
});
