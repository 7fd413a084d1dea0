"""What a Python upstream reads of a request body: one long-lived worker for the request-side
differential suite. Reads JSON lines {"id", "contentType", "body" (base64)} on stdin and writes
{"id", "value"} (the parsed body, NaN and infinities as null) or {"id", "error"} on stdout.

JSON as the `json` module reads it (bytes: UTF-8/16/32 found from the bytes, a UTF-8 BOM
skipped, duplicate keys: the last wins, NaN/Infinity accepted); forms with `parse_qs`, first
value of each field; multipart through the `email` package (no `cgi`), first value of each
field; other text as a string.
"""

import base64
import json
import math
import sys
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs


def finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [finite(item) for item in value]
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    return value


def first_values(pairs):
    fields = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def parse_multipart(content_type, body):
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    pairs = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name is None:
            continue
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        pairs.append((str(name), payload.decode(charset, errors="replace")))
    return first_values(pairs)


def parse(content_type, body):
    media = content_type.split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        text = body.decode("utf-8", errors="replace")
        try:
            return json.loads(text)
        except ValueError:
            pass
        return {name: values[0] for name, values in parse_qs(text, keep_blank_values=True).items()}
    if media == "multipart/form-data":
        return parse_multipart(content_type, body)
    try:
        return json.loads(body)
    except ValueError:
        if media.startswith("text/") or media == "":
            return body.decode("utf-8", errors="replace")
        raise


for line in sys.stdin:
    request = json.loads(line)
    try:
        value = finite(parse(request.get("contentType") or "", base64.b64decode(request["body"])))
        reply = {"id": request["id"], "value": value}
    except Exception as error:  # noqa: BLE001 - every failure is an answer: this parser refused
        reply = {"id": request["id"], "error": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
