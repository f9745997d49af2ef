import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';

/** Largest file a form may upload (CSV imports); checked while the file streams in. */
export const UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024;

interface FormState {
  parts: AsyncIterator<Multipart>;
  fields: Record<string, string>;
  file?: MultipartFile;
  done: boolean;
}

const STATE = Symbol('multipart-form');
type WithState = FastifyRequest & { [STATE]?: FormState };

export function isMultipart(req: FastifyRequest): boolean {
  return typeof req.isMultipart === 'function' && req.isMultipart();
}

function state(req: FastifyRequest): FormState {
  const r = req as WithState;
  r[STATE] ??= { parts: req.parts()[Symbol.asyncIterator](), fields: {}, done: false };
  return r[STATE];
}

/** Reads text fields until the first file or the end; the file itself is left for later. */
async function untilFile(s: FormState): Promise<void> {
  while (!s.file && !s.done) {
    const next = await s.parts.next();
    if (next.done) s.done = true;
    else if (next.value.type === 'file') s.file = next.value;
    else s.fields[next.value.fieldname] = String(next.value.value ?? '');
  }
}

/**
 * The text fields of a multipart form that come before its file (a page form puts `_csrf` and the
 * other fields first). Reading them does not read the file, so the form token can be checked before a
 * single byte of the upload is taken in.
 */
export async function multipartFieldsBeforeFile(req: FastifyRequest): Promise<Record<string, string>> {
  const s = state(req);
  await untilFile(s);
  return { ...s.fields };
}

export interface UploadedForm {
  fields: Record<string, string>;
  file?: { fileName: string; mimeType: string; content: Buffer };
}

/**
 * The whole multipart form: its fields (before and after the file) and its one file, in memory (at most
 * UPLOAD_LIMIT_BYTES; more gives @fastify/multipart's 413 error, FST_REQ_FILE_TOO_LARGE).
 */
export async function readMultipartForm(req: FastifyRequest): Promise<UploadedForm> {
  const s = state(req);
  await untilFile(s);
  let file: UploadedForm['file'];
  if (s.file) {
    file = { fileName: s.file.filename, mimeType: s.file.mimetype, content: await s.file.toBuffer() };
    // A browser sends an empty, nameless file part when no file was chosen.
    if (!file.fileName && !file.content.length) file = undefined;
    s.file = undefined;
    // Fields after the file (an API client may send them in any order); a second file is refused by the limits.
    await untilFile(s);
    if (s.file) await (s.file as MultipartFile).toBuffer();
  }
  return { fields: { ...s.fields }, file };
}
