// Sending a file in a Teams 1:1 chat, as Teams documents it for bots ("Send and receive files using
// bots", the Teams bot APIs): the bot offers the file with a file consent card; when the person
// accepts, Teams creates an upload session in their OneDrive and sends a fileConsent/invoke with its
// URL; the bot PUTs the bytes there and shows the file with a file info card. This works only in a
// personal chat, and only with `supportsFiles: true` on the bot in the app manifest.
import type { IMessageActivityInput } from '@microsoft/teams.api';
import { z } from 'zod';

export const FILE_CONSENT_CONTENT_TYPE = 'application/vnd.microsoft.teams.card.file.consent';
export const FILE_INFO_CONTENT_TYPE = 'application/vnd.microsoft.teams.card.file.info';

/** The offer of a file: its name, what it is, its size, and what comes back on accept or decline. */
export function fileConsentMessage(file: {
  filename: string;
  description: string;
  sizeInBytes: number;
  context: Record<string, string>;
}): IMessageActivityInput {
  return {
    type: 'message',
    attachments: [
      {
        contentType: FILE_CONSENT_CONTENT_TYPE,
        name: file.filename,
        content: {
          description: file.description,
          sizeInBytes: file.sizeInBytes,
          acceptContext: file.context,
          declineContext: file.context,
        },
      },
    ],
  };
}

/** Where Teams says the accepted file goes: the upload session and the file it makes. */
export const ZUploadInfo = z.object({
  name: z.string().min(1).max(400),
  uploadUrl: z.url().max(4096),
  contentUrl: z.url().max(4096),
  uniqueId: z.string().min(1).max(200),
  fileType: z.string().max(32),
});
export type TUploadInfo = z.infer<typeof ZUploadInfo>;

/** A fileConsent/invoke's value: accepted (with where to upload) or declined, with the offer's context. */
export const ZFileConsentValue = z.discriminatedUnion('action', [
  z.object({
    type: z.literal('fileUpload'),
    action: z.literal('accept'),
    context: z.unknown(),
    uploadInfo: ZUploadInfo,
  }),
  z.object({ type: z.literal('fileUpload'), action: z.literal('decline'), context: z.unknown() }),
]);

/**
 * PUTs a file's bytes to the upload session Teams opened, in one request (a report is far below the
 * session's 60 MiB per request), as its documentation shows: Content-Range names the whole file. The
 * session URL is pre-authorised, so no token goes with it. Written with fetch: one request does not
 * need a OneDrive client library.
 */
export async function uploadConsentedFile(uploadUrl: string, bytes: Buffer): Promise<void> {
  const res = await fetch(uploadUrl, {
    method: 'PUT',
    headers: {
      // fetch sets Content-Length from the body (it refuses one set by hand).
      'content-type': 'application/octet-stream',
      'content-range': `bytes 0-${bytes.length - 1}/${bytes.length}`,
    },
    body: new Uint8Array(bytes),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`the upload session answered ${res.status}`);
}

/** The uploaded file, shown in the chat as Teams shows a file. */
export function fileInfoMessage(info: TUploadInfo, text: string): IMessageActivityInput {
  return {
    type: 'message',
    text,
    textFormat: 'markdown',
    attachments: [
      {
        contentType: FILE_INFO_CONTENT_TYPE,
        contentUrl: info.contentUrl,
        name: info.name,
        content: { uniqueId: info.uniqueId, fileType: info.fileType },
      },
    ],
  };
}
