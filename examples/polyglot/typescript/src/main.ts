// The Responses flow of the xAI gRPC API, from TypeScript, against
// cmd/xaifake.
//
// The stubs in gen/ come from the repository's proto/ through buf and
// protoc-gen-es (both pinned in package-lock.json; template buf.gen.yaml);
// calls go through Connect's gRPC transport for Node. From this directory:
//
//	npm ci && npm run generate && npm run build
//	node dist/src/main.js --addr 127.0.0.1:50051 --key xai-test-key --control-key xai-test-control-key
//
// (or XAIFAKE_ADDR, XAIFAKE_API_KEY and XAIFAKE_CONTROL_KEY in the
// environment). It starts nothing: it connects in plaintext to a fake that
// is already running and sends `authorization: Bearer <key>` on every call.
// After the Responses flow it uploads a file through the client-streaming
// Files.UploadFile (the key goes on that call too), reads, downloads and
// deletes it, and sees an upload without the key refused. The last checks
// steer the fake through its control service (xaitest.control.v1, with the
// key the fake got as -control-key): one scripted reply, one injected fault.
// Every check prints one line; the last line is "N passed, M failed", and
// the exit status is 1 when any check failed.

import { parseArgs } from "node:util";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  Chat,
  type GetChatCompletionChunk,
  type GetChatCompletionResponse,
  type GetCompletionsRequestSchema,
  type MessageSchema,
  MessageRole,
} from "../gen/xai/api/v1/chat_pb.js";
import { ImageDetail } from "../gen/xai/api/v1/image_pb.js";
import { FinishReason } from "../gen/xai/api/v1/sample_pb.js";
import { DownloadFormat, type File, Files, Ordering, type UploadFileChunkSchema } from "../gen/xai/api/v1/files_pb.js";
import { ControlService } from "../gen/xaitest/control/v1/control_pb.js";

type Message = MessageInitShape<typeof MessageSchema>;
type Request = MessageInitShape<typeof GetCompletionsRequestSchema>;
type UploadMessage = MessageInitShape<typeof UploadFileChunkSchema>;

const MODEL = "grok-4"; // reasons (so there is reasoning to encrypt) and sees images

// An 8x4 PNG: a red square and a blue one.
const PNG_DATA_URL =
  "data:image/png;base64," +
  "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAECAIAAAA8r+mnAAAAGklEQVR4nGK5w4AAKgwIHhMD" +
  "DkC6BCAAAP//rXwB5x8Y24UAAAAASUVORK5CYII=";
// A 1x1 GIF: xAI accepts only JPEG and PNG images.
const GIF_DATA_URL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";

/** Counts and prints the outcome of every check. */
class Checks {
  passed = 0;
  failed = 0;

  check(name: string, ok: boolean, detail = ""): boolean {
    if (ok) this.passed++;
    else this.failed++;
    console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ": " + detail : ""}`);
    return ok;
  }

  /** Records a failed call as a failed check. */
  error(name: string, err: unknown): void {
    this.check(name, false, `call failed: ${describe(err)}`);
  }
}

function describe(err: unknown): string {
  if (err instanceof ConnectError) return `${codeName(err.code)}: ${err.rawMessage}`;
  return String(err);
}

/** The gRPC name of a code, e.g. NOT_FOUND for Code.NotFound. */
function codeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** The gRPC code of a failed call, or undefined when it is not a gRPC error. */
function codeOf(err: unknown): Code | undefined {
  return err instanceof ConnectError ? err.code : undefined;
}

function user(text: string, ...images: string[]): Message {
  return {
    role: MessageRole.ROLE_USER,
    content: [
      { content: { case: "text", value: text } },
      ...images.map((url) => ({
        content: { case: "imageUrl" as const, value: { source: { case: "imageUrl" as const, value: url }, detail: ImageDetail.DETAIL_LOW } },
      })),
    ],
  };
}

function contentOf(r: GetChatCompletionResponse): string {
  return r.outputs[0]?.message?.content ?? "";
}

/**
 * Reads a stream the way the official Python SDK (xai_sdk chat.py)
 * accumulates chunks: text only from deltas of the assistant role. A delta
 * without a role continues the role last seen at its output index, the
 * assistant's when none was seen yet.
 */
async function streamText(chunks: AsyncIterable<GetChatCompletionChunk>) {
  const roles = new Map<number, MessageRole>();
  const texts = new Map<number, string>();
  const ids = new Set<string>();
  let last: GetChatCompletionChunk | undefined;
  for await (const chunk of chunks) {
    ids.add(chunk.id);
    last = chunk;
    for (const out of chunk.outputs) {
      const role = out.delta?.role || (roles.get(out.index) ?? MessageRole.ROLE_ASSISTANT);
      roles.set(out.index, role);
      if (role === MessageRole.ROLE_ASSISTANT) {
        texts.set(out.index, (texts.get(out.index) ?? "") + (out.delta?.content ?? ""));
      }
    }
  }
  return { text: texts.get(0) ?? "", ids, last };
}

async function run(chat: Client<typeof Chat>, anonymous: Client<typeof Chat>, c: Checks): Promise<void> {
  const opts = { timeoutMs: 30_000 };
  const complete = (req: Request) => chat.getCompletion(req, opts);

  // 1. A stored response.
  let first: GetChatCompletionResponse | undefined;
  let name = "stored response: GetCompletion with store_messages returns an ID and an assistant reply";
  try {
    first = await complete({
      model: MODEL,
      storeMessages: true,
      messages: [
        { role: MessageRole.ROLE_SYSTEM, content: [{ content: { case: "text", value: "You are Grok, a concise assistant." } }] },
        user("Give me one surprising fact about octopuses."),
      ],
    });
    const msg = first.outputs[0]?.message;
    c.check(name, first.id !== "" && msg?.role === MessageRole.ROLE_ASSISTANT && msg.content !== "", `id '${first.id}'`);
  } catch (err) {
    c.error(name, err);
  }

  // 2. A continuation: only the new turn is sent; the server prepends the
  // stored history, so the prompt is larger than the whole first prompt.
  name = "continuation: previous_response_id puts the stored history in the prompt";
  if (!first) {
    c.check(name, false, "no stored response to continue");
  } else {
    try {
      const next = await complete({ model: MODEL, previousResponseId: first.id, messages: [user("Now say it in at most eight words.")] });
      const [n, f] = [next.usage?.promptTokens ?? 0, first.usage?.promptTokens ?? 0];
      c.check(name, contentOf(next) !== "" && n > f, `${n} prompt tokens after ${f} in the first turn`);
    } catch (err) {
      c.error(name, err);
    }
  }

  // 3. Encrypted reasoning, carried back in a later turn (history kept here,
  // nothing stored on the server).
  name = "encrypted reasoning: use_encrypted_content returns the reasoning sealed, not in clear";
  const question = user("Pick a prime between 10 and 30; tell me only its last digit.");
  let sealed: { content: string; encryptedContent: string } | undefined;
  try {
    const r = await complete({ model: MODEL, useEncryptedContent: true, messages: [question] });
    const m = r.outputs[0]?.message;
    const [blob, clear] = [m?.encryptedContent ?? "", m?.reasoningContent ?? ""];
    if (c.check(name, blob !== "" && clear === "", `${blob.length} bytes sealed, ${clear.length} in clear`)) {
      sealed = { content: m?.content ?? "", encryptedContent: blob };
    }
  } catch (err) {
    c.error(name, err);
  }
  // The server opens the blob and gives the model its reasoning back, so
  // the same turn costs more prompt tokens with the blob than without.
  name = "encrypted reasoning: carried back in a later turn, it is read into the prompt";
  if (!sealed) {
    c.check(name, false, "no encrypted reasoning to carry back");
  } else {
    try {
      const followUp = (blob: string) =>
        complete({
          model: MODEL,
          useEncryptedContent: true,
          messages: [
            question,
            { role: MessageRole.ROLE_ASSISTANT, content: [{ content: { case: "text", value: sealed!.content } }], encryptedContent: blob },
            user("Which prime did you pick?"),
          ],
        });
      const withBlob = await followUp(sealed.encryptedContent);
      const without = await followUp("");
      const [w, wo] = [withBlob.usage?.promptTokens ?? 0, without.usage?.promptTokens ?? 0];
      c.check(name, contentOf(withBlob) !== "" && w > wo, `${w} prompt tokens with it, ${wo} without`);
    } catch (err) {
      c.error(name, err);
    }
  }

  // 4. An image question.
  name = "image: a PNG data URL is answered and billed as image tokens";
  try {
    const r = await complete({ model: MODEL, messages: [user("What colours are in this image?", PNG_DATA_URL)] });
    const tokens = r.usage?.promptImageTokens ?? 0;
    c.check(name, contentOf(r) !== "" && tokens > 0, `${tokens} image tokens`);
  } catch (err) {
    c.error(name, err);
  }

  // 5. Get, 6. delete, 7. NOT_FOUND afterwards.
  name = "get: GetStoredCompletion returns the stored response";
  if (!first) {
    c.check(name, false, "no stored response");
  } else {
    try {
      const got = await chat.getStoredCompletion({ responseId: first.id }, opts);
      c.check(name, got.id === first.id && contentOf(got) !== "" && contentOf(got) === contentOf(first), `id '${got.id}'`);
    } catch (err) {
      c.error(name, err);
    }
  }
  name = "delete: DeleteStoredCompletion answers with the deleted ID";
  if (!first) {
    c.check(name, false, "no stored response");
  } else {
    try {
      const d = await chat.deleteStoredCompletion({ responseId: first.id }, opts);
      c.check(name, d.responseId === first.id, `id '${d.responseId}'`);
    } catch (err) {
      c.error(name, err);
    }
  }
  name = "NOT_FOUND: the deleted response can no longer be read";
  if (!first) {
    c.check(name, false, "no stored response");
  } else {
    try {
      await chat.getStoredCompletion({ responseId: first.id }, opts);
      c.check(name, false, "it was still returned");
    } catch (err) {
      c.check(name, codeOf(err) === Code.NotFound, describe(err));
    }
  }

  // 8. A stream. The fake documents that one request gets the same content
  // streamed as whole (xai/xaitest/README.md), so the text must match.
  name = "stream: the assistant text of the chunks equals the unary reply, and the last chunk ends it";
  const req: Request = { model: MODEL, messages: [user("Count from one to twelve in words.")] };
  try {
    const whole = contentOf(await complete(req));
    const { text, ids, last } = await streamText(chat.getCompletionChunk(req, opts));
    const ended = last?.outputs.some((o) => o.finishReason === FinishReason.REASON_STOP) ?? false;
    c.check(
      name,
      text !== "" && text === whole && ids.size === 1 && ended && (last?.usage?.completionTokens ?? 0) > 0,
      `${text.length} characters in ${ids.size} response ID(s); ended with REASON_STOP: ${ended}`,
    );
  } catch (err) {
    c.error(name, err);
  }

  // 9. One INVALID_ARGUMENT: xAI accepts only JPEG and PNG images.
  name = "INVALID_ARGUMENT: a GIF image is rejected";
  try {
    await complete({ model: MODEL, messages: [user("What is this?", GIF_DATA_URL)] });
    c.check(name, false, "it was answered");
  } catch (err) {
    c.check(name, codeOf(err) === Code.InvalidArgument, describe(err));
  }

  // 10. The key is checked: no authorization metadata, no answer.
  name = "UNAUTHENTICATED: a call without the key is refused";
  try {
    await anonymous.getCompletion({ model: MODEL, messages: [user("hi")] }, opts);
    c.check(name, false, "it was answered");
  } catch (err) {
    c.check(name, codeOf(err) === Code.Unauthenticated, describe(err));
  }
}

/**
 * Uploads a file through the client-streaming Files.UploadFile with the key,
 * reads it back, downloads and deletes it; then uploads without the key.
 */
async function runFiles(files: Client<typeof Files>, anonymous: Client<typeof Files>, c: Checks): Promise<void> {
  const opts = { timeoutMs: 30_000 };
  // The contract (proto/xai/api/v1/files.proto): the first message carries
  // init (the file name), every later one a piece of data, in order.
  const data = new Uint8Array(768).map((_, i) => i % 256); // every byte value, not UTF-8
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += 300) pieces.push(data.subarray(i, i + 300));
  const fileName = "polyglot-typescript.bin";
  async function* uploadMessages(): AsyncIterable<UploadMessage> {
    yield { chunk: { case: "init", value: { name: fileName } } };
    for (const piece of pieces) yield { chunk: { case: "data", value: piece } };
  }
  const size = BigInt(data.length);

  // 14. The upload, with `authorization` on the client stream too.
  let name = `files: upload: UploadFile (init, then ${pieces.length} data messages) returns an ID, the name and the size`;
  let f: File | undefined;
  try {
    f = await files.uploadFile(uploadMessages(), opts);
    c.check(name, f.id !== "" && f.filename === fileName && f.size === size, `id '${f.id}', ${f.size} bytes of ${size}`);
  } catch (err) {
    c.error(name, err);
  }

  // 15. Read back: RetrieveFile, and the newest files of ListFiles.
  name = "files: retrieve: RetrieveFile and ListFiles show the file with its size";
  if (!f) {
    c.check(name, false, "no uploaded file");
  } else {
    try {
      const got = await files.retrieveFile({ fileId: f.id }, opts);
      const listed = (await files.listFiles({ limit: 100, order: Ordering.DESCENDING }, opts)).data.filter((x) => x.id === f!.id);
      c.check(
        name,
        got.id === f.id && got.size === size && listed.length === 1 && listed[0].size === size,
        `retrieved ${got.size} bytes; listed [${listed.map((x) => x.size).join(", ")}]`,
      );
    } catch (err) {
      c.error(name, err);
    }
  }

  // 16. Download (a server stream): the pieces joined are the bytes sent.
  name = "files: download: RetrieveFileContent's chunks, joined, are the uploaded bytes";
  if (!f) {
    c.check(name, false, "no uploaded file");
  } else {
    try {
      const parts: Uint8Array[] = [];
      for await (const chunk of files.retrieveFileContent({ fileId: f.id, format: DownloadFormat.ORIGINAL }, opts)) parts.push(chunk.data);
      const got = Buffer.concat(parts);
      const equal = got.equals(data);
      c.check(name, equal, `${got.length} bytes, equal: ${equal}`);
    } catch (err) {
      c.error(name, err);
    }
  }

  // 17. Delete, 18. NOT_FOUND afterwards.
  name = "files: delete: DeleteFile answers deleted for the ID";
  if (!f) {
    c.check(name, false, "no uploaded file");
  } else {
    try {
      const d = await files.deleteFile({ fileId: f.id }, opts);
      c.check(name, d.id === f.id && d.deleted, `id '${d.id}', deleted ${d.deleted}`);
    } catch (err) {
      c.error(name, err);
    }
  }
  name = "files: NOT_FOUND: the deleted file can no longer be retrieved";
  if (!f) {
    c.check(name, false, "no uploaded file");
  } else {
    try {
      await files.retrieveFile({ fileId: f.id }, opts);
      c.check(name, false, "it was still returned");
    } catch (err) {
      c.check(name, codeOf(err) === Code.NotFound, describe(err));
    }
  }

  // 19. A client that loses the key on client streams must fail visibly:
  // an upload without it is refused (issue 16, finding 5).
  name = "UNAUTHENTICATED: an upload without the key is refused";
  try {
    const stored = await anonymous.uploadFile(uploadMessages(), opts);
    c.check(name, false, `it was stored as '${stored.id}'`);
  } catch (err) {
    c.check(name, codeOf(err) === Code.Unauthenticated, describe(err));
  }
}

/** Steers the fake through its control service, then sees the effect. */
async function runControl(
  chat: Client<typeof Chat>,
  control: Client<typeof ControlService>,
  controlWithAPIKey: Client<typeof ControlService>,
  c: Checks,
): Promise<void> {
  const opts = { timeoutMs: 30_000 };
  const req: Request = { model: MODEL, messages: [user("Say anything.")] };
  // Nothing left over from earlier runs (scripts are first in, first out).
  try {
    await control.reset({}, opts);
  } catch (err) {
    c.error("control: Reset", err);
  }

  // 20. A scripted reply is the answer of the next completion.
  let name = "control: scripted reply: EnqueueReply's content is the next completion's answer";
  const scripted = "Scripted by the TypeScript example through the control service.";
  try {
    await control.enqueueReply({ reply: { content: scripted } }, opts);
    const got = contentOf(await chat.getCompletion(req, opts));
    c.check(name, got === scripted, `answer '${got}'`);
  } catch (err) {
    c.error(name, err);
  }

  // 21. An injected fault fails the next call of its method, once.
  name = "control: injected fault: InjectFault fails the next GetCompletion with its code and message, once";
  const message = "injected by the TypeScript example";
  try {
    await control.injectFault({ method: "/xai_api.Chat/GetCompletion", code: Code.Unavailable, message }, opts);
    try {
      await chat.getCompletion(req, opts);
      c.check(name, false, "the next call was answered");
    } catch (err) {
      const failed = codeOf(err) === Code.Unavailable && err instanceof ConnectError && err.rawMessage === message;
      const again = await chat.getCompletion(req, opts);
      c.check(name, failed && again.outputs.length > 0, `${describe(err)}; the call after it answered`);
    }
  } catch (err) {
    c.error(name, err);
  }

  // 22. The API key is no control key.
  name = "control: keys: the API key cannot use the control service (PERMISSION_DENIED)";
  try {
    await controlWithAPIKey.reset({}, opts);
    c.check(name, false, "it was accepted");
  } catch (err) {
    c.check(name, codeOf(err) === Code.PermissionDenied, describe(err));
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      addr: { type: "string", default: process.env.XAIFAKE_ADDR },
      key: { type: "string", default: process.env.XAIFAKE_API_KEY ?? "xai-test-key" },
      "control-key": { type: "string", default: process.env.XAIFAKE_CONTROL_KEY ?? "xai-test-control-key" },
    },
  });
  if (!values.addr) {
    console.error("main.js: give the fake's address with --addr or XAIFAKE_ADDR");
    return 2;
  }
  console.log(`Node ${process.version}, Connect gRPC transport: Responses flow against ${values.addr}`);

  // Plaintext HTTP/2 (local fakes only); the key travels as metadata.
  const bearer =
    (key: string | undefined): Interceptor =>
    (next) =>
    (req) => {
      req.header.set("authorization", `Bearer ${key}`);
      return next(req);
    };
  const baseUrl = `http://${values.addr}`;
  const withKey = createGrpcTransport({ baseUrl, interceptors: [bearer(values.key)] });
  const chat = createClient(Chat, withKey);
  const withoutKey = createGrpcTransport({ baseUrl });
  const anonymous = createClient(Chat, withoutKey);
  const control = createClient(ControlService, createGrpcTransport({ baseUrl, interceptors: [bearer(values["control-key"])] }));

  const c = new Checks();
  await run(chat, anonymous, c);
  await runFiles(createClient(Files, withKey), createClient(Files, withoutKey), c);
  await runControl(chat, control, createClient(ControlService, withKey), c);
  console.log(`${c.passed} passed, ${c.failed} failed`);
  return c.failed ? 1 : 0;
}

process.exitCode = await main();
