/**
 * Which images of a folder dataset `eval` scores. The folder a run trained on is read as the run
 * recorded it (its seeded test split, never its training images, whatever was added since); the
 * folder a model was trained on without a record gets the same seeded split as training drew; any
 * other folder is evaluation data and is scored whole (all of it, or its test/).
 */
import { folderOfDataset, type DatasetOptions } from '../data/index.js';
import { readDataRecord } from '../run/index.js';

export interface TestSetChoice {
  options: Pick<DatasetOptions, 'only' | 'whole'>;
  /** Why, for the progress line. */
  why?: string;
}

export async function testSetOf(datasetName: string, dataDir: string | undefined, modelDataset: string | undefined, runDir: string | undefined): Promise<TestSetChoice> {
  const folder = folderOfDataset(datasetName, dataDir);
  if (!folder) return { options: {} };
  const record = runDir ? await readDataRecord(runDir) : undefined;
  if (record && record.root === folder) return { options: { only: record.files }, why: `the files ${runDir} trained with, as it recorded them` };
  // A run folder resolves its dataset against the folder it was trained from; the metadata string
  // is how the run named it, resolved here as a fallback for models without a record.
  const own = modelDataset ? folderOfDataset(modelDataset) : undefined;
  if (own === folder) return { options: {}, why: 'the folder the model was trained on: its seeded test split' };
  return { options: { whole: true }, why: 'not the folder the model was trained on, so all of it is evaluation data' };
}
