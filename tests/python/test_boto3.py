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
