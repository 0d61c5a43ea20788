import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import express from 'express';
import { runUploadScenarios } from '../../mime-guard/test/adapter-scenarios.js';
import { problemErrorHandler, requestState } from '../src/index.js';
import { guardUploads, type UploadsState } from '../src/uploads.js';

runUploadScenarios('express', async (guard, disk) => {
  const app = express();
  app.post(
    '/files',
    guardUploads(guard, {
      store: async (file) => {
        disk.put(file.storageName, await buffer(file.content));
        return file.storageName;
      },
      remove: async (stored) => disk.delete(stored.stored),
    }),
    (req, res) => {
      disk.routeReached();
      const { files, fields } = requestState(req).uploads as UploadsState<string>;
      res.json({
        files: files.map((x) => ({ field: x.field, type: x.type.id, storageName: x.storageName })),
        fields,
      });
    },
  );
  app.use(problemErrorHandler());
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});
