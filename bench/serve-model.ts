import * as path from 'node:path';
import { META } from '../src/types.js';
import { writeFileAtomic } from '../src/util/atomic.js';

/**
 * The model bench:serve loads when given none: the zoo's small `cnn` for 28x28x1 images and 10
 * classes (seeded, untrained: serving cost does not depend on the weights' values), exported with
 * icmix's own converter. Loaded lazily so `--model` runs skip tfjs entirely.
 */
export async function buildBenchModel(dir: string): Promise<string> {
  let mods;
  try {
    mods = await Promise.all([import('../src/train/models/index.js'), import('../src/export/index.js'), import('../src/backend/select.js')]);
  } catch (err) {
    throw new Error(`bench:serve: cannot export the bench model (${(err as Error).message}); pass --model file.onnx`);
  }
  const [{ buildModel }, { exportOnnx }, { useBackend }] = mods;
  await useBackend('cpu');
  const model = buildModel('cnn', [28, 28, 1], 10, { seed: 1 });
  const classNames = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'];
  const bytes = exportOnnx(model, {
    normalization: { mean: [0.286], std: [0.353] },
    metadata: { [META.classNames]: JSON.stringify(classNames), [META.inputShape]: JSON.stringify([28, 28, 1]) },
  });
  const file = path.join(dir, 'bench-cnn.onnx');
  await writeFileAtomic(file, bytes);
  return file;
}
