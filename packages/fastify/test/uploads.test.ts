import { buffer } from 'node:stream/consumers';
import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import { runUploadScenarios } from '../../mime-guard/test/adapter-scenarios.js';
import { requestState } from '../src/index.js';
import { guardUploads, type UploadsState } from '../src/uploads.js';

runUploadScenarios('fastify', async (guard, disk) => {
  const app = Fastify();
  await app.register(multipart);
  app.post(
    '/files',
    {
      preHandler: guardUploads(guard, {
        store: async (file) => {
          disk.put(file.storageName, await buffer(file.content));
          return file.storageName;
        },
        remove: async (stored) => disk.delete(stored.stored),
      }),
    },
    async (request) => {
      disk.routeReached();
      const { files, fields } = requestState(request).uploads as UploadsState<string>;
      return {
        files: files.map((x) => ({ field: x.field, type: x.type.id, storageName: x.storageName })),
        fields,
      };
    },
  );
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return { baseUrl, close: () => app.close() };
});
