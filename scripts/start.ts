// `npm start`: brings up the local system. Until the platform services exist it says what
// runs today and fails loudly instead of pretending to serve.
import { loadInferenceConfig } from '@revive/config';
import { createModelRegistry } from '@revive/model-runtime';

const config = loadInferenceConfig();
const models = await createModelRegistry(config.modelDirs).list();
const usable = models.filter((m) => m.status === 'ok').map((m) => m.id);
console.error(
  [
    'revive: the GraphQL gateway, NATS JetStream pipeline and stage services are not built yet (issue #5).',
    `installed models (${usable.length}): ${usable.join(', ') || 'none: run npm ci'}`,
    'what runs today:',
    '  npm run models -- run esrgan-slim-x2 photo.jpg photo-x2.png   upscale one image file',
    '  npm run eval -- sr                                            quality on Set5',
    '  npm run bench -- sr                                           speed vs TF.js',
  ].join('\n'),
);
process.exitCode = 1;
