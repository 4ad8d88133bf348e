#!/usr/bin/python3
"""The Responses flow of the xAI gRPC API, from Python, against cmd/xaifake.

It uses stubs generated from the repository's proto/ with protoc and the gRPC
Python plugin (Debian packages protobuf-compiler, protobuf-compiler-grpc,
python3-grpcio, python3-protobuf); `make polyglot` generates them into gen/
next to this file:

    protoc -I proto \
        --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin \
        --python_out=examples/polyglot/python/gen \
        --grpc_python_out=examples/polyglot/python/gen \
        $(find proto -name '*.proto')

It starts nothing: it connects in plaintext to a fake that is already
running and sends `authorization: Bearer <key>` on every call. After the
Responses flow it uploads a file through the client-streaming
Files.UploadFile (the key goes on that call too), reads, downloads and
deletes it, and sees an upload without the key refused. The last checks
steer the fake through its control service (xaitest.control.v1, with the
key the fake got as -control-key): one scripted reply, one injected fault.
The very last check connects as the official Python SDK does for an api_host
of "localhost:<port>" and sees the key reach a unary call and an upload.

    /usr/bin/python3 examples/polyglot/python/responses.py --addr 127.0.0.1:50051 \
        --key xai-test-key --control-key xai-test-control-key

(or XAIFAKE_ADDR, XAIFAKE_API_KEY and XAIFAKE_CONTROL_KEY in the
environment). Every check prints one line; the last line is "N passed, M
failed", and the exit status is 1 when any check failed.
"""

import argparse
import base64
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("XAI_PY_GEN", os.path.join(HERE, "gen")))

try:
    import grpc
    from xai.api.v1 import chat_pb2, chat_pb2_grpc, files_pb2, files_pb2_grpc, image_pb2, sample_pb2
    from xaitest.control.v1 import control_pb2, control_pb2_grpc
except ImportError as err:  # say what is missing instead of a bare traceback
    sys.exit(
        f"responses.py: {err}.\n"
        "Needs python3-grpcio and python3-protobuf (Debian) for the interpreter "
        f"running it ({sys.executable}), and the stubs generated into {HERE}/gen "
        "(see the protoc command at the top of this file, or run `make polyglot`)."
    )

MODEL = "grok-4"  # reasons (so there is reasoning to encrypt) and sees images

# An 8x4 PNG: a red square and a blue one.
PNG_DATA_URL = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAECAIAAAA8r+mnAAAAGklEQVR4nGK5w4AAKgwIHhMD"
    "DkC6BCAAAP//rXwB5x8Y24UAAAAASUVORK5CYII="
)
# A 1x1 GIF: xAI accepts only JPEG and PNG images.
GIF_DATA_URL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


class Checks:
    """Counts and prints the outcome of every check."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def error(self, name, err):
        """Records a failed call as a failed check."""
        if isinstance(err, grpc.RpcError):
            err = f"{err.code().name}: {err.details()}"
        return self.check(name, False, f"call failed: {err}")


def user(text, *images):
    content = [chat_pb2.Content(text=text)]
    for url in images:
        content.append(
            chat_pb2.Content(
                image_url=image_pb2.ImageUrlContent(image_url=url, detail=image_pb2.DETAIL_LOW)
            )
        )
    return chat_pb2.Message(role=chat_pb2.ROLE_USER, content=content)


def stream_text(chunks):
    """Returns (text of output 0, response IDs seen, last chunk).

    Text is read as the official Python SDK (xai_sdk chat.py) accumulates
    chunks: only from deltas of the assistant role. A delta without a role
    continues the role last seen at its output index, the assistant's when
    none was seen yet.
    """
    roles, texts, ids, last = {}, {}, set(), None
    for chunk in chunks:
        ids.add(chunk.id)
        last = chunk
        for out in chunk.outputs:
            role = out.delta.role or roles.get(out.index, chat_pb2.ROLE_ASSISTANT)
            roles[out.index] = role
            if role == chat_pb2.ROLE_ASSISTANT:
                texts[out.index] = texts.get(out.index, "") + out.delta.content
    return texts.get(0, ""), ids, last


def run(chat, md, c):
    def call(method, request):
        return method(request, metadata=md, timeout=30)

    # 1. A stored response.
    first = None
    name = "stored response: GetCompletion with store_messages returns an ID and an assistant reply"
    try:
        first = call(chat.GetCompletion, chat_pb2.GetCompletionsRequest(
            model=MODEL, store_messages=True,
            messages=[
                chat_pb2.Message(role=chat_pb2.ROLE_SYSTEM,
                                 content=[chat_pb2.Content(text="You are Grok, a concise assistant.")]),
                user("Give me one surprising fact about octopuses."),
            ]))
        msg = first.outputs[0].message if first.outputs else None
        c.check(name, bool(first.id) and msg is not None and msg.role == chat_pb2.ROLE_ASSISTANT
                and bool(msg.content), f"id {first.id!r}")
    except grpc.RpcError as err:
        c.error(name, err)

    # 2. A continuation: only the new turn is sent; the server prepends the
    # stored history, so the prompt is larger than the whole first prompt.
    name = "continuation: previous_response_id puts the stored history in the prompt"
    if first is None:
        c.check(name, False, "no stored response to continue")
    else:
        try:
            nxt = call(chat.GetCompletion, chat_pb2.GetCompletionsRequest(
                model=MODEL, previous_response_id=first.id,
                messages=[user("Now say it in at most eight words.")]))
            c.check(name, bool(nxt.outputs) and bool(nxt.outputs[0].message.content)
                    and nxt.usage.prompt_tokens > first.usage.prompt_tokens,
                    f"{nxt.usage.prompt_tokens} prompt tokens after {first.usage.prompt_tokens} in the first turn")
        except grpc.RpcError as err:
            c.error(name, err)

    # 3. Encrypted reasoning, carried back in a later turn (history kept here,
    # nothing stored on the server).
    name = "encrypted reasoning: use_encrypted_content returns the reasoning sealed, not in clear"
    question = user("Pick a prime between 10 and 30; tell me only its last digit.")
    sealed = None
    try:
        r = call(chat.GetCompletion, chat_pb2.GetCompletionsRequest(
            model=MODEL, use_encrypted_content=True, messages=[question]))
        m = r.outputs[0].message if r.outputs else chat_pb2.CompletionMessage()
        if c.check(name, bool(m.encrypted_content) and not m.reasoning_content,
                   f"{len(m.encrypted_content)} bytes sealed, {len(m.reasoning_content)} in clear"):
            sealed = m
    except grpc.RpcError as err:
        c.error(name, err)
    # The server opens the blob and gives the model its reasoning back, so
    # the same turn costs more prompt tokens with the blob than without.
    name = "encrypted reasoning: carried back in a later turn, it is read into the prompt"
    if sealed is None:
        c.check(name, False, "no encrypted reasoning to carry back")
    else:
        try:
            def follow_up(blob):
                back = chat_pb2.Message(role=chat_pb2.ROLE_ASSISTANT,
                                        content=[chat_pb2.Content(text=sealed.content)],
                                        encrypted_content=blob)
                return call(chat.GetCompletion, chat_pb2.GetCompletionsRequest(
                    model=MODEL, use_encrypted_content=True,
                    messages=[question, back, user("Which prime did you pick?")]))
            with_blob, without = follow_up(sealed.encrypted_content), follow_up("")
            c.check(name, bool(with_blob.outputs) and bool(with_blob.outputs[0].message.content)
                    and with_blob.usage.prompt_tokens > without.usage.prompt_tokens,
                    f"{with_blob.usage.prompt_tokens} prompt tokens with it, {without.usage.prompt_tokens} without")
        except grpc.RpcError as err:
            c.error(name, err)

    # 4. An image question.
    name = "image: a PNG data URL is answered and billed as image tokens"
    try:
        r = call(chat.GetCompletion, chat_pb2.GetCompletionsRequest(
            model=MODEL, messages=[user("What colours are in this image?", PNG_DATA_URL)]))
        c.check(name, bool(r.outputs) and bool(r.outputs[0].message.content)
                and r.usage.prompt_image_tokens > 0,
                f"{r.usage.prompt_image_tokens} image tokens")
    except grpc.RpcError as err:
        c.error(name, err)

    # 5. Get, 6. delete, 7. NOT_FOUND afterwards.
    name = "get: GetStoredCompletion returns the stored response"
    if first is None:
        c.check(name, False, "no stored response")
    else:
        try:
            got = call(chat.GetStoredCompletion, chat_pb2.GetStoredCompletionRequest(response_id=first.id))
            c.check(name, got.id == first.id and bool(got.outputs)
                    and got.outputs[0].message.content == first.outputs[0].message.content,
                    f"id {got.id!r}")
        except grpc.RpcError as err:
            c.error(name, err)
    name = "delete: DeleteStoredCompletion answers with the deleted ID"
    if first is None:
        c.check(name, False, "no stored response")
    else:
        try:
            d = call(chat.DeleteStoredCompletion, chat_pb2.DeleteStoredCompletionRequest(response_id=first.id))
            c.check(name, d.response_id == first.id, f"id {d.response_id!r}")
        except grpc.RpcError as err:
            c.error(name, err)
    name = "NOT_FOUND: the deleted response can no longer be read"
    if first is None:
        c.check(name, False, "no stored response")
    else:
        try:
            call(chat.GetStoredCompletion, chat_pb2.GetStoredCompletionRequest(response_id=first.id))
            c.check(name, False, "it was still returned")
        except grpc.RpcError as err:
            c.check(name, err.code() == grpc.StatusCode.NOT_FOUND, f"{err.code().name}: {err.details()}")

    # 8. A stream. The fake documents that one request gets the same content
    # streamed as whole (xai/xaitest/README.md), so the text must match.
    name = "stream: the assistant text of the chunks equals the unary reply, and the last chunk ends it"
    req = chat_pb2.GetCompletionsRequest(model=MODEL, messages=[user("Count from one to twelve in words.")])
    try:
        whole = call(chat.GetCompletion, req).outputs[0].message.content
        text, ids, last = stream_text(call(chat.GetCompletionChunk, req))
        ended = last is not None and any(o.finish_reason == sample_pb2.REASON_STOP for o in last.outputs)
        c.check(name, text == whole and bool(text) and len(ids) == 1 and ended
                and last.usage.completion_tokens > 0,
                f"{len(text)} characters in {len(ids)} response ID(s); ended with REASON_STOP: {ended}")
    except grpc.RpcError as err:
        c.error(name, err)

    # 9. One INVALID_ARGUMENT: xAI accepts only JPEG and PNG images.
    name = "INVALID_ARGUMENT: a GIF image is rejected"
    try:
        call(chat.GetCompletion, chat_pb2.GetCompletionsRequest(
            model=MODEL, messages=[user("What is this?", GIF_DATA_URL)]))
        c.check(name, False, "it was answered")
    except grpc.RpcError as err:
        c.check(name, err.code() == grpc.StatusCode.INVALID_ARGUMENT, f"{err.code().name}: {err.details()}")

    # 10. The key is checked: no authorization metadata, no answer.
    name = "UNAUTHENTICATED: a call without the key is refused"
    try:
        chat.GetCompletion(chat_pb2.GetCompletionsRequest(model=MODEL, messages=[user("hi")]), timeout=30)
        c.check(name, False, "it was answered")
    except grpc.RpcError as err:
        c.check(name, err.code() == grpc.StatusCode.UNAUTHENTICATED, f"{err.code().name}: {err.details()}")


def run_files(files, md, c):
    """Uploads a file through the client-streaming Files.UploadFile with the
    key, reads it back, downloads and deletes it; then uploads without it."""
    def call(method, request):
        return method(request, metadata=md, timeout=30)

    # The contract (proto/xai/api/v1/files.proto): the first message carries
    # init (the file name), every later one a piece of data, in order.
    data = bytes(range(256)) * 3  # 768 bytes, every byte value, not UTF-8
    pieces = [data[i:i + 300] for i in range(0, len(data), 300)]

    def upload_messages():
        yield files_pb2.UploadFileChunk(init=files_pb2.UploadFileInit(name="polyglot-python.bin"))
        for piece in pieces:
            yield files_pb2.UploadFileChunk(data=piece)

    # 14. The upload, with `authorization` on the client stream too.
    name = f"files: upload: UploadFile (init, then {len(pieces)} data messages) returns an ID, the name and the size"
    f = None
    try:
        f = files.UploadFile(upload_messages(), metadata=md, timeout=30)
        c.check(name, bool(f.id) and f.filename == "polyglot-python.bin" and f.size == len(data),
                f"id {f.id!r}, {f.size} bytes of {len(data)}")
    except grpc.RpcError as err:
        c.error(name, err)

    # 15. Read back: RetrieveFile, and the newest files of ListFiles.
    name = "files: retrieve: RetrieveFile and ListFiles show the file with its size"
    if f is None:
        c.check(name, False, "no uploaded file")
    else:
        try:
            got = call(files.RetrieveFile, files_pb2.RetrieveFileRequest(file_id=f.id))
            listed = [x for x in call(files.ListFiles, files_pb2.ListFilesRequest(
                limit=100, order=files_pb2.DESCENDING)).data if x.id == f.id]
            c.check(name, got.id == f.id and got.size == len(data) and len(listed) == 1
                    and listed[0].size == len(data),
                    f"retrieved {got.size} bytes; listed {[x.size for x in listed]}")
        except grpc.RpcError as err:
            c.error(name, err)

    # 16. Download (a server stream): the pieces joined are the bytes sent.
    name = "files: download: RetrieveFileContent's chunks, joined, are the uploaded bytes"
    if f is None:
        c.check(name, False, "no uploaded file")
    else:
        try:
            got = b"".join(chunk.data for chunk in call(files.RetrieveFileContent, files_pb2.RetrieveFileContentRequest(
                file_id=f.id, format=files_pb2.DOWNLOAD_FORMAT_ORIGINAL)))
            c.check(name, got == data, f"{len(got)} bytes, equal: {got == data}")
        except grpc.RpcError as err:
            c.error(name, err)

    # 17. Delete, 18. NOT_FOUND afterwards.
    name = "files: delete: DeleteFile answers deleted for the ID"
    if f is None:
        c.check(name, False, "no uploaded file")
    else:
        try:
            d = call(files.DeleteFile, files_pb2.DeleteFileRequest(file_id=f.id))
            c.check(name, d.id == f.id and d.deleted, f"id {d.id!r}, deleted {d.deleted}")
        except grpc.RpcError as err:
            c.error(name, err)
    name = "files: NOT_FOUND: the deleted file can no longer be retrieved"
    if f is None:
        c.check(name, False, "no uploaded file")
    else:
        try:
            call(files.RetrieveFile, files_pb2.RetrieveFileRequest(file_id=f.id))
            c.check(name, False, "it was still returned")
        except grpc.RpcError as err:
            c.check(name, err.code() == grpc.StatusCode.NOT_FOUND, f"{err.code().name}: {err.details()}")

    # 19. A client that loses the key on client streams must fail visibly:
    # an upload without it is refused (issue 16, finding 5).
    name = "UNAUTHENTICATED: an upload without the key is refused"
    try:
        stored = files.UploadFile(upload_messages(), timeout=30)
        c.check(name, False, f"it was stored as {stored.id!r}")
    except grpc.RpcError as err:
        c.check(name, err.code() == grpc.StatusCode.UNAUTHENTICATED, f"{err.code().name}: {err.details()}")


def run_control(chat, md, control, control_md, c):
    """Steers the fake through its control service, then sees the effect."""
    def call(method, request, metadata):
        return method(request, metadata=metadata, timeout=30)

    request = chat_pb2.GetCompletionsRequest(model=MODEL, messages=[user("Say anything.")])
    # Nothing left over from earlier runs (scripts are first in, first out).
    try:
        call(control.Reset, control_pb2.ResetRequest(), control_md)
    except grpc.RpcError as err:
        c.error("control: Reset", err)

    # 20. A scripted reply is the answer of the next completion.
    name = "control: scripted reply: EnqueueReply's content is the next completion's answer"
    scripted = "Scripted by the Python example through the control service."
    try:
        call(control.EnqueueReply,
             control_pb2.EnqueueReplyRequest(reply=control_pb2.Reply(content=scripted)), control_md)
        got = call(chat.GetCompletion, request, md).outputs[0].message.content
        c.check(name, got == scripted, f"answer {got!r}")
    except grpc.RpcError as err:
        c.error(name, err)

    # 21. An injected fault fails the next call of its method, once.
    name = "control: injected fault: InjectFault fails the next GetCompletion with its code and message, once"
    message = "injected by the Python example"
    try:
        call(control.InjectFault, control_pb2.InjectFaultRequest(
            method="/xai_api.Chat/GetCompletion", code=grpc.StatusCode.UNAVAILABLE.value[0],
            message=message), control_md)
        try:
            call(chat.GetCompletion, request, md)
            c.check(name, False, "the next call was answered")
        except grpc.RpcError as err:
            failed = err.code() == grpc.StatusCode.UNAVAILABLE and err.details() == message
            again = call(chat.GetCompletion, request, md)
            c.check(name, failed and bool(again.outputs),
                    f"{err.code().name}: {err.details()}; the call after it answered")
    except grpc.RpcError as err:
        c.error(name, err)

    # 22. The API key is no control key.
    name = "control: keys: the API key cannot use the control service (PERMISSION_DENIED)"
    try:
        call(control.Reset, control_pb2.ResetRequest(), md)
        c.check(name, False, "it was accepted")
    except grpc.RpcError as err:
        c.check(name, err.code() == grpc.StatusCode.PERMISSION_DENIED, f"{err.code().name}: {err.details()}")


class KeyPlugin(grpc.AuthMetadataPlugin):
    """Call credentials that add `authorization: Bearer <key>` to every call."""

    def __init__(self, key):
        self._key = key

    def __call__(self, context, callback):
        callback((("authorization", f"Bearer {self._key}"),), None)


def run_sdk_channel(addr, key, c):
    """Connects the way the official Python SDK 1.19 does for an api_host of
    "localhost:<port>" (src/xai_sdk/client.py, create_channel_credentials):
    grpc.local_channel_credentials() composed with call credentials that add
    the key, and no metadata given per call. The key must reach the fake on
    a unary call and on the client-streaming upload alike (issue 16,
    finding 5), which is what the fake's README recipe promises."""
    port = addr.rsplit(":", 1)[1]
    creds = grpc.composite_channel_credentials(
        grpc.local_channel_credentials(), grpc.metadata_call_credentials(KeyPlugin(key)))
    # 23. Unary and client-streaming calls both carry the key.
    name = ("official SDK channel: localhost: local credentials with key call credentials "
            "carry the key on GetCompletion and on the UploadFile client stream")
    with grpc.secure_channel(f"localhost:{port}", creds) as channel:
        chat, files = chat_pb2_grpc.ChatStub(channel), files_pb2_grpc.FilesStub(channel)
        try:
            answer = chat.GetCompletion(chat_pb2.GetCompletionsRequest(
                model=MODEL, messages=[user("hi")]), timeout=30)

            def upload():
                yield files_pb2.UploadFileChunk(init=files_pb2.UploadFileInit(name="sdk-channel.txt"))
                yield files_pb2.UploadFileChunk(data=b"uploaded through the SDK's channel")

            f = files.UploadFile(upload(), timeout=30)
            files.DeleteFile(files_pb2.DeleteFileRequest(file_id=f.id), timeout=30)
            c.check(name, bool(answer.outputs) and bool(f.id), f"answered; stored and deleted {f.id!r}")
        except grpc.RpcError as err:
            c.error(name, err)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--addr", default=os.environ.get("XAIFAKE_ADDR"),
                   help="host:port of the running fake (env XAIFAKE_ADDR)")
    p.add_argument("--key", default=os.environ.get("XAIFAKE_API_KEY", "xai-test-key"),
                   help="API key the fake accepts (env XAIFAKE_API_KEY; default xai-test-key)")
    p.add_argument("--control-key", default=os.environ.get("XAIFAKE_CONTROL_KEY", "xai-test-control-key"),
                   help="the fake's -control-key (env XAIFAKE_CONTROL_KEY; default xai-test-control-key)")
    args = p.parse_args()
    if not args.addr:
        p.error("give the fake's address with --addr or XAIFAKE_ADDR")

    print(f"Python {sys.version.split()[0]}, grpcio {grpc.__version__}: Responses flow against {args.addr}")
    c = Checks()
    with grpc.insecure_channel(args.addr) as channel:  # plaintext: local fakes only
        try:
            grpc.channel_ready_future(channel).result(timeout=10)
        except grpc.FutureTimeoutError:
            c.check("connect", False, f"nothing answers at {args.addr} within 10 s")
        else:
            chat, md = chat_pb2_grpc.ChatStub(channel), [("authorization", f"Bearer {args.key}")]
            run(chat, md, c)
            run_files(files_pb2_grpc.FilesStub(channel), md, c)
            run_control(chat, md, control_pb2_grpc.ControlServiceStub(channel),
                        [("authorization", f"Bearer {args.control_key}")], c)
            run_sdk_channel(args.addr, args.key, c)
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
