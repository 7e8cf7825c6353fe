import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadInferenceConfig } from './inference-config.ts';

describe('inference config: REVIVE_SUPERRES_MODELS', () => {
  it('is empty when unset, so the stage keeps its defaults', () => {
    assert.deepEqual(loadInferenceConfig({}).superresModels, {});
  });

  it('takes a model id per factor', () => {
    assert.deepEqual(loadInferenceConfig({ REVIVE_SUPERRES_MODELS: '2=revive-sr-clean-x2, 4=esrgan-thick-x4' }).superresModels, {
      2: 'revive-sr-clean-x2',
      4: 'esrgan-thick-x4',
    });
  });

  it('refuses a factor the pipeline has no use for, or a part without an id, naming the part', () => {
    assert.throws(
      () => loadInferenceConfig({ REVIVE_SUPERRES_MODELS: '3=some-model' }),
      (e: unknown) => e instanceof ConfigError && /"3=some-model"/.test(e.message),
    );
    assert.throws(() => loadInferenceConfig({ REVIVE_SUPERRES_MODELS: '4=' }), ConfigError);
  });
});
