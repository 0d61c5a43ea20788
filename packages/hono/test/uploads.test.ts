import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { runUploadScenarios } from '../../mime-guard/test/adapter-scenarios.js';
import { requestState } from '../src/index.js';
import { guardUploads, type UploadsState } from '../src/uploads.js';

runUploadScenarios('hono', async (guard, disk) => {
  const app = new Hono();
  app.post(
    '/files',
    guardUploads(guard, {
      store: async (file) => {
        const chunks: Buffer[] = [];
        for await (const chunk of file.content) chunks.push(chunk as Buffer);
        disk.put(file.storageName, new Uint8Array(Buffer.concat(chunks)));
        return file.storageName;
      },
      remove: async (stored) => disk.delete(stored.stored),
    }),
    (c) => {
      disk.routeReached();
      const { files, fields } = requestState(c).uploads as UploadsState<string>;
      return c.json({
        files: files.map((x) => ({ field: x.field, type: x.type.id, storageName: x.storageName })),
        fields,
      });
    },
  );
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});
