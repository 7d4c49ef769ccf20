"""Prometheus metrics of one app: requests by route and status, latency, pieces, batches, queue depth, and the
pieces cancelled in the queue or translated for nobody.

Labels carry route templates, standard methods ("other" for any made-up one) and status codes only: never
texts, keys or client addresses.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.batcher import BatchStats

_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


class Metrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.requests = Counter("translator_requests", "HTTP requests", ["route", "method", "status"], registry=r)
        self.latency = Histogram(
            "translator_request_seconds", "HTTP request latency", ["route"], buckets=_LATENCY_BUCKETS, registry=r
        )
        self.sentences = Counter(
            "translator_sentences", "sentences (or pieces of long ones) sent to the model", registry=r
        )
        self.tokens = Counter("translator_tokens", "source tokens sent to the model", registry=r)
        self.wasted_pieces = Counter(
            "translator_wasted_pieces", "pieces translated for requests that had gone meanwhile", registry=r
        )
        self.cancelled_pieces = Counter(
            "translator_cancelled_pieces", "pieces taken out of the queue unrun: client gone or deadline", registry=r
        )
        self.batch_sentences = Histogram(
            "translator_batch_sentences", "sentences (or pieces) per model call", buckets=_BATCH_BUCKETS, registry=r
        )
        self.batch_requests = Histogram(
            "translator_batch_requests", "requests pooled per model call", buckets=_BATCH_BUCKETS, registry=r
        )
        self.model_seconds = Histogram(
            "translator_model_seconds", "time per model call", buckets=_LATENCY_BUCKETS, registry=r
        )
        self.express_batches = Counter(
            "translator_express_batches", "model calls on the express lane, beside a long one", registry=r
        )
        self.queue_depth = Gauge("translator_queue_sentences", "sentences waiting for the model", registry=r)

    def observe_batch(self, stats: BatchStats) -> None:
        self.sentences.inc(stats.pieces)
        self.tokens.inc(stats.tokens)
        self.wasted_pieces.inc(stats.wasted)
        self.batch_sentences.observe(stats.pieces)
        self.batch_requests.observe(stats.requests)
        self.model_seconds.observe(stats.seconds)
        if stats.express:
            self.express_batches.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"})


class MetricsMiddleware:
    """Counts and times every request under its route template ("/v1/translate"), not its raw path."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"] if scope["method"] in METHODS else "other"  # any token is a method to h11
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)
