#!/usr/bin/env python3
"""Captions every image of a directory through llama-server's OpenAI-compatible chat endpoint,
keeping PARALLEL requests in flight, and prints one JSON object with the timing.

    bench/llama-server-client.py --url http://127.0.0.1:PORT --images DIR [--parallel 8]
        [--max-tokens 64] [--prompt "Describe this image."] [--captions OUT.jsonl]

Stdlib only (urllib, concurrent.futures). The images are read and base64-encoded before the
clock starts; the clock runs from the first request sent to the last answer received, so the
server's model load and the client's file reading are not in it. Requests are greedy
(temperature 0) with the server's own chat template (the image part first, then the prompt).
Used by bench/vs-llamacpp-annotate.sh.
"""
import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

MIME = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
        ".bmp": "image/bmp", ".gif": "image/gif"}


def caption(url, name, data_uri, prompt, max_tokens, timeout):
    body = json.dumps({
        "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": data_uri}},
            {"type": "text", "text": prompt},
        ]}],
        "max_tokens": max_tokens,
        "temperature": 0,
        "stream": False,
    }).encode()
    req = urllib.request.Request(url + "/v1/chat/completions", data=body, headers={"Content-Type": "application/json"})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            answer = json.load(resp)
    except urllib.error.HTTPError as e:
        return {"image": name, "error": f"HTTP {e.code}: {e.read().decode(errors='replace')[:300]}", "seconds": time.monotonic() - start}
    except Exception as e:  # a refused connection, a timeout: the row fails, the race goes on
        return {"image": name, "error": f"{type(e).__name__}: {e}", "seconds": time.monotonic() - start}
    choice = answer["choices"][0]
    usage = answer.get("usage", {})
    timings = answer.get("timings", {})
    return {"image": name, "text": choice["message"].get("content") or "", "finish_reason": choice.get("finish_reason"),
            "prompt_tokens": usage.get("prompt_tokens"), "generated_tokens": usage.get("completion_tokens"),
            "prompt_ms": timings.get("prompt_ms"), "predicted_ms": timings.get("predicted_ms"),
            "seconds": time.monotonic() - start}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", required=True)
    p.add_argument("--images", required=True, help="directory of images (sorted by name)")
    p.add_argument("--parallel", type=int, default=8, help="requests in flight (default 8)")
    p.add_argument("--max-tokens", type=int, default=64)
    p.add_argument("--prompt", default="Describe this image.")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per request")
    p.add_argument("--captions", help="write one JSON line per image here")
    a = p.parse_args()

    files = sorted(f for f in os.listdir(a.images) if os.path.splitext(f)[1].lower() in MIME)
    if not files:
        sys.exit(f"no images in {a.images}")
    uris = []
    for f in files:
        with open(os.path.join(a.images, f), "rb") as fh:
            uris.append(f"data:{MIME[os.path.splitext(f)[1].lower()]};base64,{base64.b64encode(fh.read()).decode()}")

    url = a.url.rstrip("/")
    start = time.monotonic()
    # The pool's threads each send one request and wait for its answer, so exactly PARALLEL
    # requests are in flight until the queue runs dry.
    with ThreadPoolExecutor(max_workers=a.parallel) as pool:
        results = list(pool.map(lambda fu: caption(url, fu[0], fu[1], a.prompt, a.max_tokens, a.timeout), zip(files, uris)))
    seconds = time.monotonic() - start

    ok = [r for r in results if "error" not in r]
    if a.captions:
        with open(a.captions, "w") as out:
            for r in results:
                out.write(json.dumps(r) + "\n")
    gen = sum(r["generated_tokens"] or 0 for r in ok)
    prompt = sum(r["prompt_tokens"] or 0 for r in ok)
    print(json.dumps({
        "images": len(files), "failures": len(files) - len(ok), "seconds": seconds,
        "images_per_hour": len(ok) * 3600 / seconds if seconds > 0 else 0,
        "generated_tokens": gen, "mean_generated_tokens": gen / len(ok) if ok else 0,
        "mean_prompt_tokens": prompt / len(ok) if ok else 0,
        "stopped_by_length": sum(1 for r in ok if r.get("finish_reason") == "length"),
        "first_errors": [r["error"] for r in results if "error" in r][:3],
    }))


if __name__ == "__main__":
    main()
