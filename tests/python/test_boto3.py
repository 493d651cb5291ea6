"""boto3 against the Bedrock emulator.

Usage: python test_boto3.py ENDPOINT_URL

The emulator must accept the example credentials (AKIDEXAMPLE) and have model access for
anthropic.claude-v2 not granted. Plain Python with asserts, no pytest: prints `ok <case>` or
`FAILED <case>` per case, then one summary line `boto3: N passed, M failed`, and exits 1 if any
case failed.
"""

import base64
import json
import math
import struct
import sys
import traceback
import urllib.request
import zlib

import boto3
from botocore.config import Config

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
NOT_GRANTED = "anthropic.claude-v2"
TITAN_TEXT = "amazon.titan-text-express-v1"
TITAN_EMBED_V2 = "amazon.titan-embed-text-v2:0"
TITAN_IMAGE = "amazon.titan-image-generator-v1"
# Converse: prompt caching and CountTokens; no images.
HAIKU_35 = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
# Converse: reasoning, through its inference profile.
SONNET_37 = "us.anthropic.claude-3-7-sonnet-20250219-v1:0"
# Converse: no documents.
TITAN_PREMIER = "amazon.titan-text-premier-v1:0"
# Converse: tools with Converse only, tool choice `auto` only.
LLAMA_31 = "us.meta.llama3-1-8b-instruct-v1:0"
# Converse: one user turn only.
COMMAND_LIGHT = "cohere.command-light-text-v14"

URL = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:4010"
# The emulator's control token, printed by `bedrock emulator` at start-up.
CONTROL_TOKEN = sys.argv[2] if len(sys.argv) > 2 else ""
# One attempt per call: error cases must not be retried, and the emulator counts attempts.
# botocore's `max_attempts` counts retries after the first attempt (1 still means one retry);
# `total_max_attempts` counts every attempt, so 1 turns retries off.
CONFIG = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def client(service):
    return boto3.client(
        service,
        endpoint_url=URL,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=CONFIG,
    )


bedrock = client("bedrock")
runtime = client("bedrock-runtime")

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def claude_body(max_tokens=64):
    return {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": "Name three rivers of Europe."}],
    }


def invoke_json(model_id, body):
    response = runtime.invoke_model(
        modelId=model_id,
        body=json.dumps(body),
        contentType="application/json",
        accept="application/json",
    )
    assert response["contentType"] == "application/json", response["contentType"]
    return response, json.loads(response["body"].read())


def control(method, path, payload=None):
    """Calls one of the emulator's /_emulator endpoints (JSON, with the control token)."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(URL + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + CONTROL_TOKEN)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@case
def list_foundation_models_with_filters():
    everything = bedrock.list_foundation_models()["modelSummaries"]
    ids = {m["modelId"] for m in everything}
    assert HAIKU in ids and TITAN_EMBED_V2 in ids, sorted(ids)[:5]
    haiku = next(m for m in everything if m["modelId"] == HAIKU)
    assert haiku["modelArn"] == "arn:aws:bedrock:us-east-1::foundation-model/" + HAIKU
    assert haiku["providerName"] == "Anthropic"
    assert haiku["responseStreamingSupported"] is True
    assert haiku["modelLifecycle"]["status"] == "ACTIVE"

    anthropic = bedrock.list_foundation_models(byProvider="Anthropic")["modelSummaries"]
    assert anthropic and len(anthropic) < len(everything)
    assert all(m["providerName"] == "Anthropic" for m in anthropic)

    embeddings = bedrock.list_foundation_models(byOutputModality="EMBEDDING")["modelSummaries"]
    assert any(m["modelId"] == TITAN_EMBED_V2 for m in embeddings)
    assert all("EMBEDDING" in m["outputModalities"] for m in embeddings)

    provisioned = bedrock.list_foundation_models(byInferenceType="PROVISIONED")["modelSummaries"]
    assert provisioned and all("PROVISIONED" in m["inferenceTypesSupported"] for m in provisioned)

    tunable = bedrock.list_foundation_models(byCustomizationType="FINE_TUNING")["modelSummaries"]
    assert tunable and all("FINE_TUNING" in m["customizationsSupported"] for m in tunable)


@case
def get_foundation_model_by_id_and_arn():
    details = bedrock.get_foundation_model(modelIdentifier=TITAN_EMBED_V2)["modelDetails"]
    assert details["modelId"] == TITAN_EMBED_V2
    assert details["outputModalities"] == ["EMBEDDING"]
    arn = "arn:aws:bedrock:us-east-1::foundation-model/" + TITAN_EMBED_V2
    by_arn = bedrock.get_foundation_model(modelIdentifier=arn)["modelDetails"]
    assert by_arn == details, (by_arn, details)


@case
def invoke_claude_messages():
    response, body = invoke_json(HAIKU, claude_body())
    assert body["type"] == "message" and body["role"] == "assistant", body
    assert body["content"][0]["type"] == "text" and body["content"][0]["text"], body
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert int(headers["x-amzn-bedrock-input-token-count"]) == body["usage"]["input_tokens"]
    assert int(headers["x-amzn-bedrock-output-token-count"]) == body["usage"]["output_tokens"]
    assert response["ResponseMetadata"]["RequestId"] == headers["x-amzn-requestid"]


@case
def invoke_titan_embeddings():
    response, body = invoke_json(
        TITAN_EMBED_V2, {"inputText": "The river runs to the sea.", "dimensions": 256, "normalize": True}
    )
    embedding = body["embedding"]
    assert len(embedding) == 256, len(embedding)
    norm = math.sqrt(sum(x * x for x in embedding))
    assert abs(norm - 1.0) < 1e-3, norm
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert int(headers["x-amzn-bedrock-input-token-count"]) == body["inputTextTokenCount"]
    assert "x-amzn-bedrock-output-token-count" not in headers, headers


@case
def invoke_titan_image():
    _, body = invoke_json(
        TITAN_IMAGE,
        {
            "taskType": "TEXT_IMAGE",
            "textToImageParams": {"text": "a red fox in fresh snow"},
            "imageGenerationConfig": {"numberOfImages": 2, "width": 512, "height": 384, "seed": 3},
        },
    )
    assert len(body["images"]) == 2
    for image in body["images"]:
        png = base64.b64decode(image)
        assert png[:8] == b"\x89PNG\r\n\x1a\n", png[:8]
        assert png[12:16] == b"IHDR", png[12:16]
        width, height = struct.unpack(">II", png[16:24])
        assert (width, height) == (512, 384), (width, height)


@case
def stream_claude_messages():
    body = claude_body(120)
    _, whole = invoke_json(HAIKU, body)
    response = runtime.invoke_model_with_response_stream(
        modelId=HAIKU, body=json.dumps(body), contentType="application/json"
    )
    assert response["contentType"] == "application/json", response["contentType"]
    chunks = [json.loads(event["chunk"]["bytes"]) for event in response["body"]]
    assert chunks[0]["type"] == "message_start", chunks[0]
    assert chunks[-1]["type"] == "message_stop", chunks[-1]
    text = "".join(c["delta"]["text"] for c in chunks if c["type"] == "content_block_delta")
    assert text == whole["content"][0]["text"], (text, whole)
    metrics = chunks[-1]["amazon-bedrock-invocationMetrics"]
    assert metrics["outputTokenCount"] == whole["usage"]["output_tokens"], metrics


@case
def validation_exception():
    try:
        invoke_json(HAIKU, claude_body(5000))
    except runtime.exceptions.ValidationException as e:
        assert e.response["Error"]["Code"] == "ValidationException"
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert "max_tokens" in e.response["Error"]["Message"], e.response["Error"]
    else:
        raise AssertionError("max_tokens 5000 was accepted")
    body = claude_body(10)
    body["top_n"] = 3
    try:
        invoke_json(HAIKU, body)
    except runtime.exceptions.ValidationException as e:
        assert "extraneous key [top_n] is not permitted" in e.response["Error"]["Message"], e.response
    else:
        raise AssertionError("an unknown key was accepted")


@case
def resource_not_found_exception():
    try:
        bedrock.get_foundation_model(modelIdentifier="anthropic.claude-9")
    except bedrock.exceptions.ResourceNotFoundException as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        assert "anthropic.claude-9" in e.response["Error"]["Message"], e.response["Error"]
    else:
        raise AssertionError("an unknown model was found")


@case
def access_denied_exception():
    body = {"prompt": "\n\nHuman: hello\n\nAssistant:", "max_tokens_to_sample": 20}
    try:
        invoke_json(NOT_GRANTED, body)
    except runtime.exceptions.AccessDeniedException as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert e.response["Error"]["Code"] == "AccessDeniedException"
    else:
        raise AssertionError("a model without access was served")


@case
def unknown_access_key_is_rejected():
    stranger = boto3.client(
        "bedrock-runtime",
        endpoint_url=URL,
        region_name=REGION,
        aws_access_key_id="AKIDUNKNOWNEXAMPLE",
        aws_secret_access_key=SECRET_KEY,
        config=CONFIG,
    )
    try:
        stranger.invoke_model(modelId=HAIKU, body=json.dumps(claude_body(10)), contentType="application/json")
    except stranger.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "UnrecognizedClientException", e.response["Error"]
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    else:
        raise AssertionError("an unknown access key was accepted")


@case
def throttling_exception_from_a_fault_rule():
    control("POST", "/_emulator/faults", {"model": TITAN_TEXT, "times": 1, "fault": {"type": "throttling"}})
    try:
        body = {"inputText": "Describe a lighthouse.", "textGenerationConfig": {"maxTokenCount": 20}}
        try:
            invoke_json(TITAN_TEXT, body)
        except runtime.exceptions.ThrottlingException as e:
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        else:
            raise AssertionError(
                "the throttling fault did not fire; faults %r, log %r"
                % (control("GET", "/_emulator/faults"), control("GET", "/_emulator/requests")[-3:])
            )
        # The rule fired once; the next call is served.
        _, answer = invoke_json(TITAN_TEXT, body)
        assert answer["results"][0]["outputText"], answer
        log = control("GET", "/_emulator/requests")
        titan = [entry for entry in log if entry["model_id"] == TITAN_TEXT]
        assert [entry["outcome"]["status"] for entry in titan] == [429, 200], titan
        assert all(entry["attempt"] == 1 for entry in titan), titan
    finally:
        control("DELETE", "/_emulator/faults")


def user(*blocks):
    return {"role": "user", "content": list(blocks)}


def text_of(message):
    return "".join(block.get("text", "") for block in message["content"])


def tiny_png():
    """A 2x2 RGB PNG."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes([255, 0, 0, 0, 255, 0]) for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def converse(model_id, messages, **kwargs):
    response = runtime.converse(modelId=model_id, messages=messages, **kwargs)
    usage = response["usage"]
    assert usage["totalTokens"] >= usage["inputTokens"] + usage["outputTokens"], usage
    assert isinstance(response["metrics"]["latencyMs"], int), response["metrics"]
    assert response["ResponseMetadata"]["RequestId"], response["ResponseMetadata"]
    assert response["output"]["message"]["role"] == "assistant", response["output"]
    return response


def converse_stream(model_id, messages, **kwargs):
    """ConverseStream's events as a whole response: the message's blocks, stop reason, usage."""
    response = runtime.converse_stream(modelId=model_id, messages=messages, **kwargs)
    blocks, stop, metadata, kinds = {}, None, None, []
    for event in response["stream"]:
        (kind, payload), = event.items()
        kinds.append(kind)
        if kind == "contentBlockStart":
            start = payload["start"]["toolUse"]
            blocks[payload["contentBlockIndex"]] = {"toolUse": dict(start, input="")}
        elif kind == "contentBlockDelta":
            delta = payload["delta"]
            block = blocks.setdefault(payload["contentBlockIndex"], {})
            if "text" in delta:
                block["text"] = block.get("text", "") + delta["text"]
            elif "toolUse" in delta:
                block["toolUse"]["input"] += delta["toolUse"]["input"]
            elif "reasoningContent" in delta:
                reasoning = block.setdefault("reasoningContent", {"reasoningText": {"text": ""}})
                part = delta["reasoningContent"]
                if "text" in part:
                    reasoning["reasoningText"]["text"] += part["text"]
                if "signature" in part:
                    reasoning["reasoningText"]["signature"] = part["signature"]
        elif kind == "messageStop":
            stop = payload["stopReason"]
        elif kind == "metadata":
            metadata = payload
    assert kinds[0] == "messageStart" and kinds[-1] == "metadata", kinds
    for block in blocks.values():
        if "toolUse" in block:
            block["toolUse"]["input"] = json.loads(block["toolUse"]["input"] or "{}")
    content = [blocks[i] for i in sorted(blocks)]
    return {"role": "assistant", "content": content}, stop, metadata


@case
def converse_plain_text():
    response = converse(HAIKU, [user({"text": "Say something about the sea."})],
                        inferenceConfig={"maxTokens": 64})
    assert response["stopReason"] in ("end_turn", "max_tokens"), response["stopReason"]
    assert text_of(response["output"]["message"]), response
    message, stop, metadata = converse_stream(HAIKU, [user({"text": "Say something about the sea."})],
                                              inferenceConfig={"maxTokens": 64})
    assert message == response["output"]["message"], (message, response["output"])
    assert stop == response["stopReason"]
    assert metadata["usage"] == response["usage"], (metadata, response["usage"])


@case
def converse_system_prompt():
    messages = [user({"text": "Say something about the sea."})]
    plain = converse(HAIKU, messages)
    with_system = converse(HAIKU, messages, system=[{"text": "Answer in one line of verse."}])
    assert with_system["usage"]["inputTokens"] > plain["usage"]["inputTokens"], with_system["usage"]
    assert text_of(with_system["output"]["message"])


@case
def converse_multi_turn():
    messages = [
        user({"text": "Name a sea bird."}),
        {"role": "assistant", "content": [{"text": "The puffin."}]},
        user({"text": "Where does it nest?"}),
    ]
    answer = converse(TITAN_TEXT, messages)
    assert text_of(answer["output"]["message"])
    one_turn = converse(TITAN_TEXT, messages[-1:])
    assert answer["usage"]["inputTokens"] > one_turn["usage"]["inputTokens"], answer["usage"]


@case
def converse_image_input():
    image = {"image": {"format": "png", "source": {"bytes": tiny_png()}}}
    answer = converse(HAIKU, [user({"text": "What is in this picture?"}, image)])
    assert text_of(answer["output"]["message"])
    plain = converse(HAIKU, [user({"text": "What is in this picture?"})])
    assert answer["usage"]["inputTokens"] > plain["usage"]["inputTokens"], answer["usage"]


@case
def converse_document_input():
    document = {"document": {"format": "txt", "name": "Tide table",
                             "source": {"bytes": b"High tide 06:12, low tide 12:30."}}}
    answer = converse(HAIKU, [user({"text": "When is high tide?"}, document)])
    assert text_of(answer["output"]["message"])
    plain = converse(HAIKU, [user({"text": "When is high tide?"})])
    assert answer["usage"]["inputTokens"] > plain["usage"]["inputTokens"], answer["usage"]


WEATHER_TOOL = {
    "toolSpec": {
        "name": "weather",
        "description": "Today's weather in a city.",
        "inputSchema": {"json": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1, "maximum": 7}},
            "required": ["city", "days"],
        }},
    }
}


@case
def converse_two_round_tool_use():
    tool_config = {"tools": [WEATHER_TOOL]}
    messages = [user({"text": "Use weather to tell me what to wear in Oslo."})]
    first = converse(HAIKU, messages, toolConfig=tool_config)
    assert first["stopReason"] == "tool_use", first
    message = first["output"]["message"]
    tool_use = next(block["toolUse"] for block in message["content"] if "toolUse" in block)
    assert tool_use["name"] == "weather", tool_use
    assert isinstance(tool_use["input"]["city"], str), tool_use
    assert 1 <= tool_use["input"]["days"] <= 7, tool_use

    # The same turn streamed: the tool use's input arrives in fragments that parse to the same.
    streamed, stop, _ = converse_stream(HAIKU, messages, toolConfig=tool_config)
    assert stop == "tool_use" and streamed == message, (streamed, message)

    messages.append(message)
    messages.append(user({"toolResult": {
        "toolUseId": tool_use["toolUseId"],
        "content": [{"json": {"forecast": "sleet", "high": 2}}],
        "status": "success",
    }}))
    second = converse(HAIKU, messages, toolConfig=tool_config)
    assert second["stopReason"] == "end_turn", second
    assert "sleet" in text_of(second["output"]["message"]), second["output"]

    # A failed tool is reported to the model as such.
    messages[-1] = user({"toolResult": {
        "toolUseId": tool_use["toolUseId"],
        "content": [{"text": "the weather service is down"}],
        "status": "error",
    }})
    failed = converse(HAIKU, messages, toolConfig=tool_config)
    assert "the weather service is down" in text_of(failed["output"]["message"]), failed["output"]


THINKING = {"thinking": {"type": "enabled", "budget_tokens": 1024}}


@case
def converse_reasoning_signature_sent_back():
    messages = [user({"text": "Is 91 prime?"})]
    kwargs = {"inferenceConfig": {"maxTokens": 2048}, "additionalModelRequestFields": THINKING}
    first = converse(SONNET_37, messages, **kwargs)
    message = first["output"]["message"]
    reasoning = message["content"][0]["reasoningContent"]["reasoningText"]
    assert reasoning["text"] and reasoning["signature"], reasoning

    streamed, _, _ = converse_stream(SONNET_37, messages, **kwargs)
    assert streamed["content"][0] == message["content"][0], (streamed, message)

    messages = messages + [message, user({"text": "And 97?"})]
    second = converse(SONNET_37, messages, **kwargs)
    assert second["stopReason"] == "end_turn", second

    tampered = json.loads(json.dumps(messages))
    tampered[1]["content"][0]["reasoningContent"]["reasoningText"]["text"] += " Changed."
    try:
        converse(SONNET_37, tampered, **kwargs)
    except runtime.exceptions.ValidationException as e:
        assert "signature" in e.response["Error"]["Message"], e.response["Error"]
    else:
        raise AssertionError("a changed reasoning text was accepted")


@case
def converse_cache_read_tokens_on_the_second_call():
    # A system prompt no other case sends, so the first call finds nothing cached.
    system = [{"text": "You answer questions about lighthouses, case %s. " % "boto3" * 300},
              {"cachePoint": {"type": "default"}}]
    messages = [user({"text": "How tall is the tallest lighthouse?"})]
    first = converse(HAIKU_35, messages, system=system)
    written = first["usage"].get("cacheWriteInputTokens", 0)
    assert written > 0, first["usage"]
    assert first["usage"].get("cacheReadInputTokens", 0) == 0, first["usage"]
    second = converse(HAIKU_35, messages, system=system)
    assert second["usage"].get("cacheReadInputTokens") == written, second["usage"]
    assert second["usage"].get("cacheWriteInputTokens", 0) == 0, second["usage"]

    counted = runtime.count_tokens(modelId=HAIKU_35.replace("us.", "", 1), input={"converse": {"messages": messages}})
    plain = converse(HAIKU_35, messages)
    assert counted["inputTokens"] == plain["usage"]["inputTokens"], (counted, plain["usage"])


def expect_refusal(exception, words, call):
    try:
        call()
    except exception as e:
        assert words in e.response["Error"]["Message"], (words, e.response["Error"])
        return e
    raise AssertionError("accepted: " + words)


@case
def converse_validation_exception_per_unsupported_feature():
    hi = [user({"text": "hi"})]
    search = {"tools": [{"toolSpec": {"name": "search", "inputSchema": {"json": {
        "type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}}}]}
    validation = runtime.exceptions.ValidationException
    cases = [
        ("doesn't support system messages",
         lambda: converse(TITAN_TEXT, hi, system=[{"text": "Be brief."}])),
        ("doesn't support the image content block",
         lambda: converse(TITAN_TEXT, [user({"text": "What?"},
                                            {"image": {"format": "png", "source": {"bytes": tiny_png()}}})])),
        ("doesn't support the document content block",
         lambda: converse(TITAN_PREMIER, [user({"text": "Read."}, {"document": {
             "format": "txt", "name": "Notes", "source": {"bytes": b"notes"}}})])),
        ("doesn't support tool use", lambda: converse(TITAN_TEXT, hi, toolConfig=search)),
        ("toolConfig.toolChoice.any",
         lambda: converse(LLAMA_31, hi, toolConfig=dict(search, toolChoice={"any": {}}))),
        ("thinking",
         lambda: converse(HAIKU, hi, inferenceConfig={"maxTokens": 2048}, additionalModelRequestFields=THINKING)),
        ("multi-turn",
         lambda: converse(COMMAND_LIGHT, [user({"text": "a"}), {"role": "assistant", "content": [{"text": "b"}]},
                                          user({"text": "c"})])),
        ("tool use in streaming mode",
         lambda: converse_stream(LLAMA_31, [user({"text": "search for tides"})], toolConfig=search)),
    ]
    for words, call in cases:
        e = expect_refusal(validation, words, call)
        assert e.response["Error"]["Code"] == "ValidationException", e.response["Error"]
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response["ResponseMetadata"]
    # The same model takes tools with Converse.
    converse(LLAMA_31, [user({"text": "search for tides"})], toolConfig=search)
    # Prompt caching on a model without it: Bedrock answers AccessDeniedException.
    e = expect_refusal(runtime.exceptions.AccessDeniedException, "prompt caching",
                       lambda: converse(HAIKU, [user({"text": "hi"}, {"cachePoint": {"type": "default"}})]))
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403


# Batch inference and async invoke: S3 on the same endpoint, told apart by the signing service.
S3 = boto3.client(
    "s3",
    endpoint_url=URL,
    region_name=REGION,
    aws_access_key_id=ACCESS_KEY,
    aws_secret_access_key=SECRET_KEY,
    config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"}),
)
BATCH_ROLE = "arn:aws:iam::123456789012:role/bedrock-batch"


def ensure_bucket(name):
    try:
        S3.create_bucket(Bucket=name)
    except S3.exceptions.BucketAlreadyOwnedByYou:
        pass


def put_records(key, lines):
    ensure_bucket("boto3-in")
    ensure_bucket("boto3-out")
    S3.put_object(Bucket="boto3-in", Key=key, Body=("\n".join(lines) + "\n").encode())


def create_job(name, key, model=TITAN_EMBED_V2):
    return bedrock.create_model_invocation_job(
        jobName=name,
        roleArn=BATCH_ROLE,
        modelId=model,
        inputDataConfig={"s3InputDataConfig": {"s3Uri": "s3://boto3-in/" + key}},
        outputDataConfig={"s3OutputDataConfig": {"s3Uri": "s3://boto3-out/results/"}},
    )["jobArn"]


def wait_job(arn):
    import time
    for _ in range(3000):
        job = bedrock.get_model_invocation_job(jobIdentifier=arn)
        if job["status"] in ("Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired"):
            return job
        time.sleep(0.02)
    raise AssertionError("job %s did not finish" % arn)


def embed_record(record_id, text):
    return json.dumps({"recordId": record_id, "modelInput": {"inputText": text}})


@case
def s3_put_get_list_delete():
    ensure_bucket("boto3-s3")
    S3.put_object(Bucket="boto3-s3", Key="a/one.jsonl", Body=b"line\n")
    S3.put_object(Bucket="boto3-s3", Key="a/two.jsonl", Body=b"x" * 100)
    body = S3.get_object(Bucket="boto3-s3", Key="a/one.jsonl")["Body"].read()
    assert body == b"line\n", body
    keys = [o["Key"] for o in S3.list_objects_v2(Bucket="boto3-s3", Prefix="a/")["Contents"]]
    assert keys == ["a/one.jsonl", "a/two.jsonl"], keys
    S3.delete_object(Bucket="boto3-s3", Key="a/one.jsonl")
    keys = [o["Key"] for o in S3.list_objects_v2(Bucket="boto3-s3")["Contents"]]
    assert keys == ["a/two.jsonl"], keys


@case
def batch_job_completes_with_per_record_errors():
    lines = [embed_record("r%02d" % i, "text %d" % i) for i in range(5)]
    lines.append('{"recordId": "broken", "modelInput": {')
    put_records("ok.jsonl", lines)
    arn = create_job("boto3-complete", "ok.jsonl")
    job = wait_job(arn)
    assert job["status"] == "Completed", job
    assert (job["totalRecordCount"], job["successRecordCount"], job["errorRecordCount"]) == (6, 5, 1), job
    job_id = arn.rsplit("/", 1)[1]
    out = S3.get_object(Bucket="boto3-out", Key="results/%s/ok.jsonl.out" % job_id)["Body"].read()
    records = [json.loads(line) for line in out.decode().splitlines()]
    assert [r["recordId"] for r in records] == ["r00", "r01", "r02", "r03", "r04", "broken"], records
    assert records[-1]["error"]["errorCode"] == 400, records[-1]
    _, direct = invoke_json(TITAN_EMBED_V2, {"inputText": "text 0"})
    assert records[0]["modelOutput"] == direct
    manifest = json.loads(S3.get_object(Bucket="boto3-out", Key="results/%s/manifest.json.out" % job_id)["Body"].read())
    assert manifest["errorRecordCount"] == 1, manifest


@case
def batch_job_stop():
    put_records("many.jsonl", [embed_record("r%d" % i, "hello") for i in range(3000)])
    arn = create_job("boto3-stop", "many.jsonl")
    bedrock.stop_model_invocation_job(jobIdentifier=arn)
    job = wait_job(arn)
    assert job["status"] == "Stopped", job
    assert job.get("processedRecordCount", 0) < 3000, job


@case
def batch_job_failures():
    job = wait_job(create_job("boto3-missing", "not-there.jsonl"))
    assert job["status"] == "Failed", job
    assert "s3://boto3-in/not-there.jsonl" in job["message"], job
    put_records("one.jsonl", [embed_record("a", "b")])
    try:
        create_job("boto3-wrong-model", "one.jsonl", model="amazon.no-such-model-v1:0")
    except (bedrock.exceptions.ValidationException, bedrock.exceptions.ResourceNotFoundException):
        pass
    else:
        raise AssertionError("an unknown model was accepted")


@case
def list_model_invocation_jobs_with_filters():
    put_records("one.jsonl", [embed_record("a", "b")])
    for name in ("boto3-list-1", "boto3-list-2"):
        wait_job(create_job(name, "one.jsonl"))
    found = bedrock.list_model_invocation_jobs(nameContains="boto3-list", statusEquals="Completed")
    names = sorted(j["jobName"] for j in found["invocationJobSummaries"])
    assert names == ["boto3-list-1", "boto3-list-2"], names
    first = bedrock.list_model_invocation_jobs(nameContains="boto3-list", maxResults=1, sortOrder="Ascending")
    assert [j["jobName"] for j in first["invocationJobSummaries"]] == ["boto3-list-1"], first
    second = bedrock.list_model_invocation_jobs(nameContains="boto3-list", maxResults=1,
                                                sortOrder="Ascending", nextToken=first["nextToken"])
    assert [j["jobName"] for j in second["invocationJobSummaries"]] == ["boto3-list-2"], second
    assert "nextToken" not in second, second


def wait_async(arn):
    import time
    for _ in range(3000):
        got = runtime.get_async_invoke(invocationArn=arn)
        if got["status"] != "InProgress":
            return got
        time.sleep(0.02)
    raise AssertionError("invocation %s did not finish" % arn)


@case
def async_invoke_round_trip():
    ensure_bucket("boto3-out")
    arn = runtime.start_async_invoke(
        modelId=TITAN_EMBED_V2,
        modelInput={"inputText": "hello"},
        outputDataConfig={"s3OutputDataConfig": {"s3Uri": "s3://boto3-out/async"}},
    )["invocationArn"]
    got = wait_async(arn)
    assert got["status"] == "Completed", got
    invocation_id = arn.rsplit("/", 1)[1]
    body = json.loads(S3.get_object(Bucket="boto3-out", Key="async/%s/output.json" % invocation_id)["Body"].read())
    assert "embedding" in body, body
    listed = runtime.list_async_invokes(statusEquals="Completed")["asyncInvokeSummaries"]
    assert any(s["invocationArn"] == arn for s in listed), listed


@case
def nova_reel_writes_an_mp4_and_refuses_a_bad_duration_at_start():
    ensure_bucket("boto3-out")
    config = {"durationSeconds": 6, "fps": 24, "dimension": "1280x720", "seed": 5}
    arn = runtime.start_async_invoke(
        modelId="amazon.nova-reel-v1:1",
        modelInput={"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "A calm sea at dawn"},
                    "videoGenerationConfig": config},
        outputDataConfig={"s3OutputDataConfig": {"s3Uri": "s3://boto3-out/reel"}},
    )["invocationArn"]
    got = wait_async(arn)
    assert got["status"] == "Completed", got
    invocation_id = arn.rsplit("/", 1)[1]
    keys = [o["Key"] for o in S3.list_objects_v2(Bucket="boto3-out", Prefix="reel/%s/" % invocation_id)["Contents"]]
    assert keys == ["reel/%s/output.mp4" % invocation_id], keys
    video = S3.get_object(Bucket="boto3-out", Key=keys[0])
    assert video["ContentType"] == "video/mp4", video["ContentType"]
    assert video["Body"].read()[4:8] == b"ftyp"
    try:
        runtime.start_async_invoke(
            modelId="amazon.nova-reel-v1:1",
            modelInput={"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "A calm sea"},
                        "videoGenerationConfig": dict(config, durationSeconds=12)},
            outputDataConfig={"s3OutputDataConfig": {"s3Uri": "s3://boto3-out/reel"}},
        )
    except runtime.exceptions.ValidationException as e:
        assert "durationSeconds" in str(e), e
    else:
        raise AssertionError("a 12-second single-shot video was accepted")


def main():
    passed, failed = 0, 0
    for fn in CASES:
        try:
            fn()
        except Exception:  # noqa: BLE001 - every failure is reported, then counted
            failed += 1
            print("FAILED " + fn.__name__)
            traceback.print_exc()
        else:
            passed += 1
            print("ok " + fn.__name__)
    print("boto3: %d passed, %d failed" % (passed, failed))
    sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
