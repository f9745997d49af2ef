import { ImportClassifier, ClassifiedRow } from './import-classifier';
import { CsvRow } from './csv-reader';

/** Lines are classified and written this many at a time: the most an import holds in memory. */
export const IMPORT_BATCH_SIZE = 250;

/** Groups an async stream into arrays of at most `size`, pulling the next item only when needed. */
export async function* batches<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** Classifies a stream of lines a batch at a time; yields each batch's results before reading on. */
export async function* classifyStream(classifier: ImportClassifier, rows: AsyncIterable<CsvRow>, size = IMPORT_BATCH_SIZE): AsyncGenerator<ClassifiedRow[]> {
  for await (const batch of batches(rows, size)) yield classifier.classify(batch);
}

/** Drops the first `count` items (lines an interrupted run has already written). */
export async function* skip<T>(items: AsyncIterable<T>, count: number): AsyncGenerator<T> {
  let seen = 0;
  for await (const item of items) if (++seen > count) yield item;
}

/** An in-memory upload as a stream of slices (no copies). */
export async function* chunksOf(content: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < content.length; offset += size) yield content.subarray(offset, offset + size);
}
